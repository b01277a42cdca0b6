import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import Stripe from 'stripe';
import { Env } from '../../config/env.schema';
import { TransactionRunner } from '../../database/transaction';
import { PointTransaction } from '../entities/point-transaction.entity';
import { TransactionStatus } from '../purchase-status';
import { Outcome, SessionOutcomeTrigger } from '../outcomes/decide';
import { PaymentOutcomes } from '../outcomes/payment-outcomes.service';
import { PurchasesRepository } from '../purchases.repository';
import { STRIPE } from '../stripe.client';

const JOB = 'reconcile-pending-purchases';
const BATCH = 100;
/** Stripe lookups in flight at once during a pass: Stripe's rate limit is for the whole account. */
export const RECONCILE_CONCURRENCY = 4;
/** After Stripe answers 429, this many passes are skipped, doubling on each 429 in a row (at most 32). */
const MAX_BACKOFF_PASSES = 32;
/** However often the success page is polled, one Stripe lookup per session per this many milliseconds. */
export const SESSION_LOOKUP_INTERVAL_MS = 5_000;

export interface ReconcileSummary {
  checked: number;
  outcomes: Partial<Record<Outcome | 'still_open' | 'stripe_error', number>>;
}

/**
 * A missed webhook must never lose a credit: pending purchases older than a threshold are looked up
 * in Stripe and their real outcome is applied through the same locked, idempotent path as webhooks.
 * The Stripe call happens before the transaction opens; a webhook landing at the same moment is
 * serialised by the purchase row lock and finds the purchase already final.
 */
@Injectable()
export class ReconciliationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconciliationService.name);
  private running?: Promise<ReconcileSummary>;
  /** Passes still to skip after a 429, and how many the next 429 will make. */
  private backoff = { skip: 0, next: 1 };
  /** Per session: the lookup in flight or its settled promise, kept for SESSION_LOOKUP_INTERVAL_MS. */
  private readonly recentLookups = new Map<string, { at: number; result: Promise<Outcome | 'still_open'> }>();

  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly transactions: TransactionRunner,
    private readonly purchases: PurchasesRepository,
    private readonly outcomes: PaymentOutcomes,
    private readonly config: ConfigService<Env, true>,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.get('RECONCILE_INTERVAL_MS', { infer: true });
    if (interval <= 0) return;
    const timer = setInterval(() => void this.scheduledPass().catch((error: Error) => this.logger.error(error.message, error.stack)), interval);
    timer.unref();
    this.scheduler.addInterval(JOB, timer);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
    await this.running?.catch(() => undefined);
  }

  /** One pass over stale pending purchases; concurrent calls share the pass in progress. */
  reconcilePending(olderThanSeconds = this.config.get('RECONCILE_AFTER_SECONDS', { infer: true })): Promise<ReconcileSummary> {
    this.running ??= this.pass(olderThanSeconds).finally(() => (this.running = undefined));
    return this.running;
  }

  /** The scheduled pass: null when skipped while backing off after Stripe's 429. */
  scheduledPass(): Promise<ReconcileSummary | null> {
    if (this.backoff.skip > 0) {
      this.backoff.skip -= 1;
      return Promise.resolve(null);
    }
    return this.reconcilePending();
  }

  /**
   * The success page's lookup: concurrent and repeated calls for one session within
   * SESSION_LOOKUP_INTERVAL_MS share one Stripe call, so polling cannot multiply Stripe traffic.
   */
  reconcileOnce(purchase: PointTransaction): Promise<Outcome | 'still_open'> {
    const key = purchase.stripeSessionId ?? `transaction:${purchase.id}`;
    const now = Date.now();
    for (const [session, lookup] of this.recentLookups) {
      if (now - lookup.at < SESSION_LOOKUP_INTERVAL_MS) break;
      this.recentLookups.delete(session);
    }
    const recent = this.recentLookups.get(key);
    if (recent) return recent.result;
    const result = this.reconcile(purchase);
    this.recentLookups.set(key, { at: now, result });
    return result;
  }

  /** Asks Stripe about one purchase's session and applies what it says. */
  async reconcile(purchase: PointTransaction): Promise<Outcome | 'still_open'> {
    if (!purchase.stripeSessionId || purchase.status !== TransactionStatus.Pending) return 'already_final';
    const session = await this.stripe.checkout.sessions.retrieve(purchase.stripeSessionId);
    const trigger = await this.triggerFor(session);
    if (!trigger) return 'still_open';
    const applied = await this.transactions.run(() => this.outcomes.applySession(trigger, session));
    if (applied.outcome === 'credited') this.logger.warn(`transaction ${purchase.id} credited by reconciliation: its webhook never came`);
    return applied.outcome;
  }

  /**
   * Pending purchases older than RECONCILE_AFTER_SECONDS, a few lookups at a time (sessions expire
   * after CHECKOUT_LIFETIME_SECONDS, so the set stays small). Stripe's 429 ends the pass at once and skips the next passes (exponentially):
   * the job must never be what makes buyers' checkouts fail.
   */
  private async pass(olderThanSeconds: number): Promise<ReconcileSummary> {
    const summary: ReconcileSummary = { checked: 0, outcomes: {} };
    let after = '0';
    let rateLimited = false;
    while (!rateLimited) {
      const batch = await this.purchases.stalePending(olderThanSeconds, after, BATCH);
      let next = 0;
      const worker = async () => {
        while (!rateLimited && next < batch.length) {
          const purchase = batch[next++];
          const outcome = await this.reconcile(purchase).catch((error: Error) => {
            if (isStripeRateLimit(error)) rateLimited = true;
            this.logger.warn(`could not reconcile transaction ${purchase.id}: ${error.message}`);
            return 'stripe_error' as const;
          });
          summary.checked += 1;
          summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: RECONCILE_CONCURRENCY }, worker));
      if (batch.length < BATCH) break;
      after = batch[batch.length - 1].id;
    }
    if (rateLimited) {
      this.backoff = { skip: this.backoff.next, next: Math.min(this.backoff.next * 2, MAX_BACKOFF_PASSES) };
      this.logger.warn(`Stripe answered 429: reconciliation stops this pass and skips the next ${this.backoff.skip}`);
    } else {
      this.backoff = { skip: 0, next: 1 };
    }
    return summary;
  }

  /** Which webhook the session's current state stands for; null while there is nothing to apply. */
  private async triggerFor(session: Stripe.Checkout.Session): Promise<SessionOutcomeTrigger | null> {
    if (session.status === 'expired') return 'checkout.session.expired';
    if (session.status !== 'complete') return null;
    if (session.payment_status === 'paid' || session.payment_status === 'no_payment_required') return 'checkout.session.completed';
    const paymentIntentId = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
    if (!paymentIntentId) return null;
    const paymentIntent = await this.stripe.paymentIntents.retrieve(paymentIntentId);
    return paymentIntent.status === 'canceled' || paymentIntent.status === 'requires_payment_method'
      ? 'checkout.session.async_payment_failed'
      : null;
  }
}

function isStripeRateLimit(error: unknown): boolean {
  const stripeError = error as { type?: string; statusCode?: number };
  return stripeError.type === 'StripeRateLimitError' || stripeError.statusCode === 429;
}
