import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { batchOrEach } from '../../common/batch-or-each';
import { MicroBatcher } from '../../common/micro-batcher';
import { Env } from '../../config/env.schema';
import { TransactionRunner } from '../../database/transaction';
import { Outcome, SessionOutcomeTrigger } from '../outcomes/decide';
import { AppliedOutcome, PaymentOutcomes, SessionFact } from '../outcomes/payment-outcomes.service';
import { PaymentsError } from '../payments.errors';
import { PurchasesRepository } from '../purchases.repository';
import { STRIPE } from '../stripe.client';
import { isId } from '../../common/ids';
import { accountOfKey, checkStripeEvent, SESSION_EVENT_TYPES, StripeAccount, StripeEventShape } from './stripe-event-shape';
import { StripeEventsRepository } from './stripe-events.repository';
import { UNPARSABLE_PAYLOAD } from './stripe-signature.guard';

/** Every answer the webhook gives; `malformed`: signed, but it can never be applied (see stripe-event-shape.ts). */
export const WEBHOOK_OUTCOMES = [
  'credited',
  'awaiting_payment',
  'already_final',
  'failed',
  'expired',
  'amount_mismatch',
  'currency_mismatch',
  'refunded',
  'partially_refunded',
  'disputed',
  'dispute_won',
  'dispute_lost',
  'already_applied',
  'not_credited',
  'unknown_transaction',
  'frozen',
  'malformed',
  'duplicate',
  'ignored',
] as const satisfies ReadonlyArray<Outcome | 'malformed' | 'duplicate' | 'ignored'>;

export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];
/** Fails to compile when an outcome of PaymentOutcomes is missing from the list above (and so from the API docs). */
const _everyOutcomeListed: [Exclude<Outcome, WebhookOutcome>] extends [never] ? true : never = true;

const SESSION_EVENTS: ReadonlySet<string> = new Set<string>(SESSION_EVENT_TYPES);

/** Stored as the type of a malformed event that has none. */
const NO_TYPE = '(none)';

/**
 * Applies Stripe events exactly once. The event id is inserted under its primary key in the same
 * transaction as its effect: a concurrent duplicate waits on that key and then finds it taken, a
 * later one finds it at once. Any failure rolls everything back and surfaces as a 5xx so Stripe
 * retries. Locks follow the one order of ARCHITECTURE.md: stripe events → purchases → profiles
 * (of interactions to create) → interactions → lots → moderators, each kind in id order.
 *
 * Checkout-session events that arrive together share one transaction (see MicroBatcher): their
 * purchases are credited set-based, in a fixed number of statements, and each answer still leaves
 * only after the commit that made its effect durable. If such a transaction fails, its events are
 * retried one by one, so one bad event never fails the others. A charge event (refund, dispute)
 * runs the same transaction as a batch of one.
 */
@Injectable()
export class StripeWebhookService {
  private readonly logger = new Logger(StripeWebhookService.name);
  private readonly sessions: MicroBatcher<Stripe.Event, WebhookOutcome>;

  /** Whose events are applied: those of the account (and mode) of STRIPE_SECRET_KEY. */
  private readonly account: StripeAccount;

  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly transactions: TransactionRunner,
    private readonly stripeEvents: StripeEventsRepository,
    private readonly purchases: PurchasesRepository,
    private readonly outcomes: PaymentOutcomes,
    env: Env,
  ) {
    this.account = accountOfKey(env.STRIPE_SECRET_KEY ?? '');
    this.sessions = new MicroBatcher((events) => this.applySessionEvents(events), {
      maxBatch: env.WEBHOOK_BATCH_SIZE,
      concurrency: env.WEBHOOK_BATCH_CONCURRENCY,
    });
  }

  /**
   * `payload` is the signed body as parsed JSON (any value), `rawBody` its bytes. Nothing is written
   * before the event is known to have the shape its handler reads; one that never can be applied
   * is acknowledged (a non-2xx would only make Stripe retry it for days) and recorded once.
   */
  async handle(payload: unknown, rawBody: Buffer): Promise<WebhookOutcome> {
    const shape: StripeEventShape =
      payload === UNPARSABLE_PAYLOAD
        ? { kind: 'malformed', problem: 'the body is not JSON', id: null, type: null, created: null }
        : checkStripeEvent(payload, this.account);
    if (shape.kind === 'ignored') return 'ignored';
    if (shape.kind === 'malformed') return this.recordMalformed(shape, rawBody);
    const { event } = shape;
    if (SESSION_EVENTS.has(event.type)) return this.sessions.submit(event);
    await this.refuseIfNotYetCredited(event);
    const [outcome] = await this.applyTogether([event]);
    return outcome;
  }

  /**
   * Keyed by the event's id when it has a usable one, else by a hash of the body, so that Stripe
   * redelivering the same body finds it recorded. Alerts once per event, naming the field, never
   * quoting the body.
   */
  private async recordMalformed(shape: Extract<StripeEventShape, { kind: 'malformed' }>, rawBody: Buffer): Promise<WebhookOutcome> {
    const key = shape.id ?? `malformed:${createHash('sha256').update(rawBody).digest('hex')}`;
    if (!(await this.stripeEvents.recordMalformed(key, shape.type ?? NO_TYPE, shape.created))) return 'duplicate';
    this.logger.error(
      `ALERT malformed Stripe event ${shape.id ?? '(no usable id)'} of type ${shape.type ?? NO_TYPE}: ${shape.problem}; ` +
        `acknowledged and recorded as ${key}, nothing applied`,
    );
    return 'malformed';
  }

  private applySessionEvents(events: Stripe.Event[]): Promise<Array<PromiseSettledResult<WebhookOutcome>>> {
    return batchOrEach(events, (batch) => this.applyTogether(batch), async (event) => (await this.applyTogether([event]))[0], {
      sequential: false,
      onBatchError: (error, size) => this.logger.warn(`a batch of ${size} session events failed (${(error as Error).message}); applying them one by one`),
    });
  }

  /**
   * One transaction: record the events, apply the new ones in order, store their outcomes. Session
   * events come in batches (applied set-based); a charge event always comes alone, a batch of one.
   */
  private applyTogether(events: Stripe.Event[]): Promise<WebhookOutcome[]> {
    return this.transactions.run(async () => {
      const fresh = await this.stripeEvents.recordNew(events);
      const freshEvents = events.filter((_, i) => fresh[i]);
      const applied = await this.apply(freshEvents);
      await this.saveOutcomes(freshEvents, applied);
      const byEvent = new Map(freshEvents.map((event, i) => [event, applied[i].outcome]));
      return events.map((event) => byEvent.get(event) ?? 'duplicate');
    });
  }

  private async saveOutcomes(events: readonly Stripe.Event[], applied: readonly AppliedOutcome[]): Promise<void> {
    if (events.length === 0) return;
    events.forEach((event, i) => {
      if (applied[i].outcome === 'unknown_transaction') this.logger.warn(`${event.type} ${event.id} names no purchase of this service`);
    });
    await this.stripeEvents.saveOutcomes(events.map((event, i) => ({ id: event.id, outcome: applied[i].outcome, transactionId: applied[i].transactionId })));
  }

  private async apply(events: readonly Stripe.Event[]): Promise<AppliedOutcome[]> {
    if (events.length === 1 && !SESSION_EVENTS.has(events[0].type)) return [await this.applyCharge(events[0])];
    return this.outcomes.applySessions(
      events.map((event): SessionFact => ({ trigger: event.type as SessionOutcomeTrigger, session: event.data.object as Stripe.Checkout.Session })),
    );
  }

  private applyCharge(event: Stripe.Event): Promise<AppliedOutcome> {
    switch (event.type) {
      case 'charge.refunded':
        return this.outcomes.applyRefund(event.data.object);
      case 'charge.dispute.created':
        return this.outcomes.applyDispute(event.data.object, 'created');
      case 'charge.dispute.closed':
        return this.outcomes.applyDispute(event.data.object, 'closed');
      case 'radar.early_fraud_warning.created':
        return this.outcomes.applyEarlyFraudWarning(event.data.object);
      default:
        throw new Error(`${event.type} is not a charge event`);
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
    if (await this.purchases.existsByPayment(paymentIntentId)) return;

    const paymentIntent = await this.retrievePaymentIntent(paymentIntentId);
    const transactionId = paymentIntent?.metadata?.transaction_id;
    if (isId(transactionId) && (await this.purchases.exists(transactionId))) {
      throw PaymentsError.purchaseNotYetCredited(transactionId);
    }
  }

  /** Null when Stripe does not know the payment intent: then it is none of ours. Other failures may pass, so they propagate (5xx). */
  private async retrievePaymentIntent(id: string): Promise<Stripe.PaymentIntent | null> {
    try {
      return await this.stripe.paymentIntents.retrieve(id);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return null;
      throw error;
    }
  }
}
