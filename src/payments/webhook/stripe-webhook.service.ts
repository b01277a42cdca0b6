import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { TransactionRunner } from '../../database/transaction';
import { EventBus } from '../../events/event-bus';
import { PointTransaction, TransactionStatus } from '../entities/point-transaction.entity';
import { StripeEventRecord } from '../entities/stripe-event.entity';

export type WebhookOutcome =
  | 'credited'
  | 'awaiting_payment'
  | 'already_final'
  | 'failed'
  | 'expired'
  | 'amount_mismatch'
  | 'currency_mismatch'
  | 'unknown_transaction'
  | 'duplicate'
  | 'ignored';

type SessionEvent =
  | 'checkout.session.completed'
  | 'checkout.session.async_payment_succeeded'
  | 'checkout.session.async_payment_failed'
  | 'checkout.session.expired';

const SESSION_EVENTS: ReadonlySet<string> = new Set<SessionEvent>([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
]);

/**
 * Applies Stripe events exactly once. The event id is inserted under its primary key in the same
 * transaction as its effect: a concurrent duplicate waits on that key and then finds it taken, a
 * later one finds it at once. Any failure rolls everything back and surfaces as a 5xx so Stripe retries.
 * Lock order: stripe_events row → transaction row → (listeners) interaction → moderator.
 */
@Injectable()
export class StripeWebhookService {
  private readonly logger = new Logger(StripeWebhookService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly events: EventBus,
  ) {}

  async handle(event: Stripe.Event): Promise<WebhookOutcome> {
    if (!SESSION_EVENTS.has(event.type)) return 'ignored';
    const session = event.data.object as Stripe.Checkout.Session;

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

      const purchase = await this.lockPurchase(session);
      const outcome = purchase ? await this.apply(event.type as SessionEvent, session, purchase) : 'unknown_transaction';
      if (outcome === 'unknown_transaction') {
        this.logger.warn(`${event.type} ${event.id} names no known transaction (session ${session.id})`);
      }
      await manager.update(StripeEventRecord, { id: event.id }, { outcome, transactionId: purchase?.id ?? null });
      return outcome;
    });
  }

  /** By session id, or by client_reference_id when the session id was never stored (crash after Stripe answered). */
  private async lockPurchase(session: Stripe.Checkout.Session): Promise<PointTransaction | null> {
    const repository = this.transactions.repository(PointTransaction);
    const lock = { mode: 'pessimistic_write' } as const;
    const bySession = await repository.findOne({ where: { stripeSessionId: session.id }, lock });
    if (bySession) return bySession;
    const reference = session.client_reference_id;
    if (!reference || !/^[1-9]\d{0,18}$/.test(reference)) return null;
    const byReference = await repository.findOne({ where: { id: reference }, lock });
    if (!byReference || (byReference.stripeSessionId && byReference.stripeSessionId !== session.id)) return null;
    return byReference;
  }

  private async apply(type: SessionEvent, session: Stripe.Checkout.Session, purchase: PointTransaction): Promise<WebhookOutcome> {
    if (purchase.status !== TransactionStatus.Pending) return 'already_final';
    const repository = this.transactions.repository(PointTransaction);
    const paymentId = typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);

    switch (type) {
      case 'checkout.session.expired':
        await repository.update({ id: purchase.id }, { status: TransactionStatus.Expired, stripeSessionId: session.id });
        return 'expired';
      case 'checkout.session.async_payment_failed':
        await repository.update(
          { id: purchase.id },
          { status: TransactionStatus.Failed, failureReason: 'async_payment_failed', stripeSessionId: session.id, stripePaymentId: paymentId },
        );
        return 'failed';
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        if (session.payment_status !== 'paid') {
          await repository.update({ id: purchase.id }, { stripeSessionId: session.id, stripePaymentId: paymentId });
          return 'awaiting_payment';
        }
        return this.capture(session, purchase, paymentId);
    }
  }

  private async capture(session: Stripe.Checkout.Session, purchase: PointTransaction, paymentId: string | null): Promise<WebhookOutcome> {
    const repository = this.transactions.repository(PointTransaction);
    const mismatch =
      session.currency?.toLowerCase() !== purchase.currency
        ? 'currency_mismatch'
        : session.amount_total !== purchase.amountCents
          ? 'amount_mismatch'
          : null;
    if (mismatch) {
      this.logger.error(
        `ALERT ${mismatch}: transaction ${purchase.id} expects ${purchase.amountCents} ${purchase.currency}, ` +
          `session ${session.id} paid ${session.amount_total} ${session.currency}; not credited`,
      );
      await repository.update(
        { id: purchase.id },
        { status: TransactionStatus.Failed, failureReason: mismatch, stripeSessionId: session.id, stripePaymentId: paymentId },
      );
      return mismatch;
    }

    const creditedAt = new Date();
    await repository.update(
      { id: purchase.id },
      { status: TransactionStatus.Completed, creditedAt, stripeSessionId: session.id, stripePaymentId: paymentId },
    );
    const payment = {
      transactionId: purchase.id,
      clientId: purchase.clientId,
      profileId: purchase.profileId,
      points: purchase.pointsAmount,
      amountCents: purchase.amountCents,
      currency: purchase.currency,
    };
    await this.events.emitInTransaction('payment.captured', { ...payment, capturedAt: creditedAt.toISOString() });
    await this.events.publishAfterCommit('purchase.completed', { ...payment, creditedAt: creditedAt.toISOString() });
    return 'credited';
  }
}
