import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../common/columns';

/** Points a client used with a profile; the idempotency key makes a retried request spend once. */
@Entity({ name: 'point_spends' })
export class PointSpend {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('bigint', { name: 'client_id' })
  clientId: string;

  @Column('bigint', { name: 'profile_id' })
  profileId: string;

  @Column('bigint', { name: 'interaction_id' })
  interactionId: string;

  @Column('bigint', { transformer: bigintNumber })
  points: number;

  @Column('text')
  reason: string;

  @Column('text', { name: 'idempotency_key' })
  idempotencyKey: string;

  @Column('bigint', { name: 'balance_after', transformer: bigintNumber })
  balanceAfter: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
