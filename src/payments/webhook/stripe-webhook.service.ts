import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { TransactionRunner } from '../../database/transaction';
import { PointTransaction } from '../entities/point-transaction.entity';
import { StripeEventRecord } from '../entities/stripe-event.entity';
import { AppliedOutcome, Outcome, PaymentOutcomes, SessionOutcomeTrigger } from '../outcomes/payment-outcomes.service';
import { PaymentsError } from '../payments.errors';
import { STRIPE } from '../stripe.client';
import { isId } from '../../common/ids';

export type WebhookOutcome = Outcome | 'duplicate' | 'ignored';

const SESSION_EVENTS: ReadonlySet<string> = new Set<SessionOutcomeTrigger>([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
]);
const CHARGE_EVENTS: ReadonlySet<string> = new Set(['charge.refunded', 'charge.dispute.created', 'charge.dispute.closed']);

/**
 * Applies Stripe events exactly once. The event id is inserted under its primary key in the same
 * transaction as its effect: a concurrent duplicate waits on that key and then finds it taken, a
 * later one finds it at once. Any failure rolls everything back and surfaces as a 5xx so Stripe
 * retries. Lock order: stripe_events row → purchase row → (listeners) interaction → moderator.
 */
@Injectable()
export class StripeWebhookService {
  private readonly logger = new Logger(StripeWebhookService.name);

  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly transactions: TransactionRunner,
    private readonly outcomes: PaymentOutcomes,
  ) {}

  async handle(event: Stripe.Event): Promise<WebhookOutcome> {
    if (!SESSION_EVENTS.has(event.type) && !CHARGE_EVENTS.has(event.type)) return 'ignored';
    if (CHARGE_EVENTS.has(event.type)) await this.refuseIfNotYetCredited(event);

    return this.transactions.run(async (manager) => {
      const recorded = await manager
        .createQueryBuilder()
        .insert()
        .into(StripeEventRecord)
        .values({ id: event.id, type: event.type, stripeCreatedAt: new Date(event.created * 1000), outcome: 'processing' })
        .orIgnore()
        .returning(['id'])
        .execute();
      if ((recorded.raw as unknown[]).length === 0) return 'duplicate';

      const applied = await this.apply(event);
      if (applied.outcome === 'unknown_transaction') {
        this.logger.warn(`${event.type} ${event.id} names no purchase of this service`);
      }
      await manager.update(StripeEventRecord, { id: event.id }, { outcome: applied.outcome, transactionId: applied.transactionId });
      return applied.outcome;
    });
  }

  private apply(event: Stripe.Event): Promise<AppliedOutcome> {
    switch (event.type) {
      case 'charge.refunded':
        return this.outcomes.applyRefund(event.data.object);
      case 'charge.dispute.created':
        return this.outcomes.applyDispute(event.data.object, 'created');
      case 'charge.dispute.closed':
        return this.outcomes.applyDispute(event.data.object, 'closed');
      default:
        return this.outcomes.applySession(event.type as SessionOutcomeTrigger, event.data.object as Stripe.Checkout.Session);
    }
  }

  /**
   * A refund or dispute can overtake the payment's own webhook. Its purchase is then unknown by
   * payment intent; the payment intent's metadata (asked of Stripe before any transaction opens)
   * tells whether it is one of ours still pending, and the event is refused so that Stripe retries.
   */
  private async refuseIfNotYetCredited(event: Stripe.Event): Promise<void> {
    const object = event.data.object as { payment_intent?: string | { id: string } | null };
    const paymentIntentId = typeof object.payment_intent === 'string' ? object.payment_intent : object.payment_intent?.id;
    if (!paymentIntentId) return;
    const repository = this.transactions.repository(PointTransaction);
    if (await repository.existsBy({ stripePaymentId: paymentIntentId })) return;

    const paymentIntent = await this.stripe.paymentIntents.retrieve(paymentIntentId);
    const transactionId = paymentIntent.metadata?.transaction_id;
    if (isId(transactionId) && (await repository.existsBy({ id: transactionId }))) {
      throw PaymentsError.purchaseNotYetCredited(transactionId);
    }
  }
}
