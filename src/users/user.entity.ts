import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../common/columns';
import { Role } from './user-role';

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  /** Optional: a platform may not share it; NULL once the user is erased. Unique when present. */
  @Column('text', { nullable: true })
  email: string | null;

  /** Optional, as the e-mail. */
  @Column('text', { nullable: true })
  name: string | null;

  @Column('text')
  role: Role;

  /** A moderator's earned points (cached from the ledger account `moderator:<id>`). */
  @Column('bigint', { transformer: bigintNumber })
  points: number;

  /** When the platform erased the user: their tokens are refused, their purchases and ledger stay. */
  @Column('timestamptz', { name: 'erased_at', nullable: true })
  erasedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
