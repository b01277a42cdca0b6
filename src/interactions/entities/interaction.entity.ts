import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../../common/columns';

/** An interaction: a client's conversation with one profile, and the balances attached to it. */
@Entity({ name: 'profile_client_interactions' })
export class Interaction {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  @Column('bigint', { name: 'client_id' })
  clientId: string;

  @Column('bigint', { name: 'profile_id' })
  profileId: string;

  @Column('bigint', { name: 'moderator_id', nullable: true })
  moderatorId: string | null;

  @Column('timestamptz', { name: 'last_interaction_at', nullable: true })
  lastInteractionAt: Date | null;

  /** Points bought for this profile, net of reversals (cached from the ledger). */
  @Column('bigint', { name: 'total_points_received', transformer: bigintNumber })
  totalPointsReceived: number;

  /** What the client can still spend with this profile (cached from `interaction:<id>:client`). */
  @Column('bigint', { name: 'points_balance', transformer: bigintNumber })
  pointsBalance: number;

  /** Earnings waiting for a moderator (cached from `interaction:<id>:held`). */
  @Column('bigint', { name: 'held_points', transformer: bigintNumber })
  heldPoints: number;

  /** Grows by one with every change of `points_balance` (never goes back): which balance is the latest. */
  @Column('bigint', { name: 'balance_version', default: 0, transformer: bigintNumber })
  balanceVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
