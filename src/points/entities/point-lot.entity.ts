import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../common/columns';

/**
 * A credited purchase's points, as a lot: each point is either still `remaining`, `spent`, or
 * `taken` back by a reversal. Spends consume the oldest lots first, so every spend knows which
 * purchases it came from, what they were worth and who earned them.
 */
@Entity({ name: 'point_lots' })
export class PointLot {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** The purchase the points were bought with; null for promotional points (`grantId`). */
  @Column('bigint', { name: 'transaction_id', nullable: true })
  transactionId: string | null;

  /** The grant that gave these points for free; null for a purchase. */
  @Column('bigint', { name: 'grant_id', nullable: true })
  grantId: string | null;

  @Column('bigint', { name: 'interaction_id' })
  interactionId: string;

  /** Who earned the purchase; null while its points are held for the next moderator. */
  @Column('bigint', { name: 'moderator_id', nullable: true })
  moderatorId: string | null;

  @Column('bigint', { transformer: bigintNumber })
  points: number;

  @Column('bigint', { name: 'amount_cents', transformer: bigintNumber })
  amountCents: number;

  /** Null for promotional points: they cost nothing. */
  @Column('text', { nullable: true })
  currency: string | null;

  /**
   * The moderator's share of the purchase in basis points, as configured when it was credited (it
   * stays with the purchase); null for promotional points and for purchases credited before shares.
   */
  @Column('integer', { name: 'moderator_share_bps', nullable: true })
  moderatorShareBps: number | null;

  /** Set while an early fraud warning holds the purchase: its unspent points cannot be spent. */
  @Column('timestamptz', { name: 'frozen_at', nullable: true })
  frozenAt: Date | null;

  @Column('bigint', { transformer: bigintNumber })
  remaining: number;

  @Column('bigint', { transformer: bigintNumber })
  spent: number;

  @Column('bigint', { transformer: bigintNumber })
  taken: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

export enum LotEntryKind {
  /** Points of the lot consumed by a spend, with their value. */
  Spend = 'spend',
  /** Points of the lot taken back by a refund or a dispute (of this purchase or another one). */
  Reversal = 'reversal',
  /** Points of a new lot that paid off a negative balance. */
  Absorb = 'absorb',
  /** Points given back to the lot by a won dispute. */
  Restore = 'restore',
}

/** One change of a lot; rows are never updated. */
@Entity({ name: 'point_lot_entries' })
export class PointLotEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('bigint', { name: 'lot_id' })
  lotId: string;

  @Column('text')
  kind: LotEntryKind;

  @Column('bigint', { transformer: bigintNumber })
  points: number;

  /** Spends only: what these points cost the client, in the lot's currency. */
  @Column('bigint', { name: 'value_cents', nullable: true, transformer: bigintNumber })
  valueCents: number | null;

  @Column('bigint', { name: 'spend_id', nullable: true })
  spendId: string | null;

  /** `spend:<id>`, the reversal or restore key, or `absorb:<purchase>`. */
  @Column('text', { name: 'source_key' })
  sourceKey: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
