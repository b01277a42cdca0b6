import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../../common/columns';

@Entity({ name: 'point_packs' })
export class PointPack {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  /** What clients send as `pack`: "100", "500", "1000". */
  @Column('text')
  code: string;

  @Column('bigint', { transformer: bigintNumber })
  points: number;

  @Column('bigint', { name: 'amount_cents', transformer: bigintNumber })
  amountCents: number;

  @Column('char', { length: 3 })
  currency: string;

  @Column('boolean')
  active: boolean;

  @Column('integer', { name: 'sort_order' })
  sortOrder: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
