import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../common/columns';

/**
 * Promotional points given to a client for a profile (a welcome bonus, a compensation): they cost
 * nothing and earn no moderator anything. The idempotency key makes a retried grant give once.
 */
@Entity({ name: 'point_grants' })
export class PointGrant {
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

  /** The admin who gave them; null when the platform did (POST /integration/grants). */
  @Column('bigint', { name: 'granted_by', nullable: true })
  grantedBy: string | null;

  @Column('bigint', { name: 'balance_after', transformer: bigintNumber })
  balanceAfter: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
