import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import Stripe from 'stripe';
import { Env } from '../../config/env.schema';
import { TransactionRunner } from '../../database/transaction';
import { Purchase } from '../entities/purchase.entity';
import { PurchaseStatus } from '../purchase-status';
import { Outcome, SessionOutcomeTrigger } from '../outcomes/decide';
import { PaymentOutcomes } from '../outcomes/payment-outcomes.service';
import { PurchasesRepository } from '../purchases.repository';
import { STRIPE } from '../stripe.client';
import { STRIPE_CHECKOUT_DEADLINE_MS } from '../checkout.service';

const JOB = 'reconcile-pending-purchases';
const BATCH = 100;
/** Stripe lookups in flight at once during a pass: Stripe's rate limit is for the whole account. */
export const RECONCILE_CONCURRENCY = 4;
/** After Stripe answers 429, this many passes are skipped, doubling on each 429 in a row (at most 32). */
const MAX_BACKOFF_PASSES = 32;
/** However often the success page is polled, one Stripe lookup per session per this many milliseconds. */
export const SESSION_LOOKUP_INTERVAL_MS = 5_000;

/** What one lookup found: an outcome applied, a session still open, no session at Stripe at all. */
export type ReconcileOutcome = Outcome | 'still_open' | 'no_session';

export interface ReconcileSummary {
  checked: number;
  outcomes: Partial<Record<ReconcileOutcome | 'stripe_error', number>>;
}

/**
 * Where a session made for a purchase whose session id was never stored can be: Stripe lists
 * sessions by creation time only, so the search covers the purchase's creation, the checkout's
 * whole wait for Stripe, and a margin for the clocks.
 */
const SESSION_SEARCH_MARGIN_SECONDS = 60;
const SESSION_SEARCH_AFTER_SECONDS = Math.ceil(STRIPE_CHECKOUT_DEADLINE_MS / 1000) + SESSION_SEARCH_MARGIN_SECONDS;

/**
 * A missed webhook must never lose a credit: pending purchases older than a threshold are looked up
 * in Stripe and their real outcome is applied through the same locked, idempotent path as webhooks.
 * A pending purchase whose session id was never stored (Stripe's answer to the checkout was lost,
 * or came while the database refused it) is looked for among the sessions Stripe made around its
 * creation, by client_reference_id: found, its session is attached and applied like any other;
 * absent, the purchase is marked failed (`checkout_session_not_created`).
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
  private readonly recentLookups = new Map<string, { at: number; result: Promise<ReconcileOutcome> }>();

  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly transactions: TransactionRunner,
    private readonly purchases: PurchasesRepository,
    private readonly outcomes: PaymentOutcomes,
    private readonly env: Env,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.env.RECONCILE_INTERVAL_MS;
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
  reconcilePending(olderThanSeconds = this.env.RECONCILE_AFTER_SECONDS): Promise<ReconcileSummary> {
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
  reconcileOnce(purchase: Purchase): Promise<ReconcileOutcome> {
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

  /** Asks Stripe about one purchase's session (finding it first when its id was never stored) and applies what it says. */
  async reconcile(purchase: Purchase): Promise<ReconcileOutcome> {
    if (purchase.status !== PurchaseStatus.Pending) return 'already_final';
    const session = purchase.stripeSessionId ? await this.stripe.checkout.sessions.retrieve(purchase.stripeSessionId) : await this.findSession(purchase);
    if (!session) {
      await this.purchases.markCheckoutFailed(purchase.id);
      this.logger.warn(`transaction ${purchase.id} failed: Stripe made no session for it`);
      return 'no_session';
    }
    if (!purchase.stripeSessionId) {
      await this.purchases.attachSession(purchase.id, session.id);
      this.logger.warn(`transaction ${purchase.id}: its session ${session.id}, never stored, attached by reconciliation`);
    }
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
    let rateLimited = await this.checkAll(summary, (after) => this.purchases.stalePending(olderThanSeconds, after, BATCH));
    if (!rateLimited) rateLimited = await this.checkAll(summary, (after) => this.purchases.staleWithoutSession(olderThanSeconds, after, BATCH));
    if (rateLimited) {
      this.backoff = { skip: this.backoff.next, next: Math.min(this.backoff.next * 2, MAX_BACKOFF_PASSES) };
      this.logger.warn(`Stripe answered 429: reconciliation stops this pass and skips the next ${this.backoff.skip}`);
    } else {
      this.backoff = { skip: 0, next: 1 };
    }
    return summary;
  }

  /** Checks every purchase `next` pages out, a few lookups at a time; true when Stripe answered 429 (the rest waits). */
  private async checkAll(summary: ReconcileSummary, page: (after: string) => Promise<Purchase[]>): Promise<boolean> {
    let after = '0';
    let rateLimited = false;
    while (!rateLimited) {
      const batch = await page(after);
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
    return rateLimited;
  }

  /** The session Stripe made for the purchase, among those created around it; null when Stripe has none. */
  private async findSession(purchase: Purchase): Promise<Stripe.Checkout.Session | null> {
    const createdAt = Math.floor(purchase.createdAt.getTime() / 1000);
    const sessions = this.stripe.checkout.sessions.list({
      created: { gte: createdAt - SESSION_SEARCH_MARGIN_SECONDS, lte: createdAt + SESSION_SEARCH_AFTER_SECONDS },
      limit: 100,
    });
    for await (const session of sessions) {
      if (session.client_reference_id === purchase.id) return session;
    }
    return null;
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
