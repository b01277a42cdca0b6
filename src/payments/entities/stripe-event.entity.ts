import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A Stripe event that took effect. Its primary key is what makes each event act exactly once. */
@Entity({ name: 'stripe_events' })
export class StripeEventRecord {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  type: string;

  @Column('timestamptz', { name: 'stripe_created_at' })
  stripeCreatedAt: Date;

  @Column('bigint', { name: 'transaction_id', nullable: true })
  transactionId: string | null;

  @Column('text')
  outcome: string;

  @Column('timestamptz', { name: 'processed_at', default: () => 'now()' })
  processedAt: Date;
}
