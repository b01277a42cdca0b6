import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../../common/columns';
import { decimalAmountSql } from '../../common/currencies';
import { DisputeStatus, FraudWarningStatus, PurchaseStatus } from '../purchase-status';

/** One checkout of one pack (table name kept from the original system). */
@Entity({ name: 'profile_point_transactions' })
export class Purchase {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  @Column('bigint', { name: 'client_id' })
  clientId: string;

  @Column('bigint', { name: 'profile_id' })
  profileId: string;

  /** The moderator credited for this purchase, set when it is credited. */
  @Column('bigint', { name: 'moderator_id', nullable: true })
  moderatorId: string | null;

  @Column('text', { name: 'pack_code' })
  packCode: string;

  @Column('bigint', { name: 'points_amount', transformer: bigintNumber })
  pointsAmount: number;

  /** The price charged, in minor units; `money_amount` is derived from it by the database. */
  @Column('bigint', { name: 'amount_cents', transformer: bigintNumber })
  amountCents: number;

  @Column('char', { length: 3 })
  currency: string;

  /**
   * Legacy decimal amount kept for existing readers (9.99 eur, 500 jpy, 1.234 kwd); computed by
   * PostgreSQL by Stripe's minor units, never written by code.
   */
  @Column({
    type: 'numeric',
    name: 'money_amount',
    generatedType: 'STORED',
    asExpression: decimalAmountSql('amount_cents', 'currency'),
    insert: false,
    update: false,
    select: false,
  })
  moneyAmount: string;

  @Column('text')
  status: PurchaseStatus;

  @Column('text', { name: 'stripe_session_id', nullable: true })
  stripeSessionId: string | null;

  @Column('text', { name: 'stripe_payment_id', nullable: true })
  stripePaymentId: string | null;

  @Column('bigint', { name: 'refunded_points', transformer: bigintNumber })
  refundedPoints: number;

  @Column('text', { name: 'stripe_charge_id', nullable: true })
  stripeChargeId: string | null;

  /** What Stripe reported as paid, recorded when the purchase is credited. */
  @Column('bigint', { name: 'stripe_amount_paid_cents', nullable: true, transformer: bigintNumber })
  stripeAmountPaidCents: number | null;

  /** Stripe's cumulative `amount_refunded` for the charge. */
  @Column('bigint', { name: 'stripe_amount_refunded_cents', transformer: bigintNumber })
  stripeAmountRefundedCents: number;

  /** Points currently taken back by an open or lost dispute. */
  @Column('bigint', { name: 'disputed_points', transformer: bigintNumber })
  disputedPoints: number;

  @Column('text', { name: 'dispute_id', nullable: true })
  disputeId: string | null;

  @Column('text', { name: 'dispute_status', nullable: true })
  disputeStatus: DisputeStatus | null;

  @Column('text', { name: 'failure_reason', nullable: true })
  failureReason: string | null;

  @Column('timestamptz', { name: 'credited_at', nullable: true })
  creditedAt: Date | null;

  /** Stripe's early fraud warning about the charge (`issfr_…`), the latest one. */
  @Column('text', { name: 'fraud_warning_id', nullable: true })
  fraudWarningId: string | null;

  /** `active` while the warning holds the purchase (frozen points, money out of payouts). */
  @Column('text', { name: 'fraud_warning_status', nullable: true })
  fraudWarningStatus: FraudWarningStatus | null;

  @Column('timestamptz', { name: 'fraud_warned_at', nullable: true })
  fraudWarnedAt: Date | null;

  /** What EFW_AUTO_REFUND asked Stripe to refund for the warning (the unspent points' share of the price). */
  @Column('bigint', { name: 'fraud_refund_cents', nullable: true, transformer: bigintNumber })
  fraudRefundCents: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
