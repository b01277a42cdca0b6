import { Injectable } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { OutboxBacklog, OutboxQueries } from '../events/outbox.queries';
import { PurchaseReportsQueries } from '../payments/purchase-reports.queries';
import { ReconciliationFlag } from '../payments/reconciliation/reconciliation.dto';

/** The flags of the reconciliation report that an index answers; the others need the whole ledger. */
export const SCRAPED_MISMATCH_FLAGS = [ReconciliationFlag.StalePending, ReconciliationFlag.PaidNotCredited] as const;
export type ScrapedMismatchFlag = (typeof SCRAPED_MISMATCH_FLAGS)[number];

/**
 * How far back a paid-but-not-credited purchase counts: it stays `failed` for good (the report
 * keeps listing it), so the gauge counts the recent ones and an alert on it clears by itself.
 */
export const PAID_NOT_CREDITED_WINDOW_HOURS = 24;

/**
 * How long the figures read from the database are reused. A scrape every few seconds on every
 * instance must stay cheap however the tables grow, and /metrics without METRICS_TOKEN answers
 * anyone: however often it is requested, each instance runs these statements at most once per period.
 */
export const METRICS_CACHE_MS = 5_000;

/**
 * Read-only queries of the owners (events, payments) run when Prometheus scrapes, never per
 * request. Each statement reads a partial or
 * leading-column index, so its cost follows the backlog (or the day's failures), not the history:
 * - the outbox backlog: `ix_outbox_events_unpublished … WHERE published_at IS NULL`;
 * - stale pending purchases (the report's `stale_pending`, same threshold):
 *   `ix_transactions_pending (created_at) WHERE status = 'pending'`;
 * - paid but not credited (the report's `paid_but_not_credited`, amount or currency mismatch) in the
 *   last PAID_NOT_CREDITED_WINDOW_HOURS: `ix_transactions_status_created (status, created_at, id)`.
 * The credit-vs-ledger flags of the report sum the ledger of every purchase: they stay in
 * `GET /admin/reconciliation`.
 * Results are shared by the gauges of one scrape and cached METRICS_CACHE_MS.
 */
@Injectable()
export class ScrapedFigures {
  private outbox?: { at: number; value: Promise<OutboxBacklog> };
  private mismatches?: { at: number; value: Promise<Record<ScrapedMismatchFlag, number>> };

  constructor(
    private readonly outboxQueries: OutboxQueries,
    private readonly purchases: PurchaseReportsQueries,
    private readonly env: Env,
  ) {}

  outboxBacklog(): Promise<OutboxBacklog> {
    this.outbox = fresh(this.outbox) ?? { at: Date.now(), value: this.queryOutbox() };
    return this.forgetOnFailure(this.outbox.value, () => (this.outbox = undefined));
  }

  reconciliationMismatches(): Promise<Record<ScrapedMismatchFlag, number>> {
    this.mismatches = fresh(this.mismatches) ?? { at: Date.now(), value: this.queryMismatches() };
    return this.forgetOnFailure(this.mismatches.value, () => (this.mismatches = undefined));
  }

  /** Forgets the cached figures: the next scrape reads them again (tests that change the tables). */
  refresh(): void {
    this.outbox = undefined;
    this.mismatches = undefined;
  }

  private queryOutbox(): Promise<OutboxBacklog> {
    return this.outboxQueries.backlog();
  }

  private async queryMismatches(): Promise<Record<ScrapedMismatchFlag, number>> {
    const counts = await this.purchases.mismatchCounts(this.env.RECONCILE_AFTER_SECONDS, PAID_NOT_CREDITED_WINDOW_HOURS);
    return { [ReconciliationFlag.StalePending]: counts.stalePending, [ReconciliationFlag.PaidNotCredited]: counts.paidNotCredited };
  }

  private forgetOnFailure<T>(value: Promise<T>, forget: () => void): Promise<T> {
    return value.catch((error: unknown) => {
      forget();
      throw error;
    });
  }
}

function fresh<T extends { at: number }>(entry: T | undefined): T | undefined {
  return entry && Date.now() - entry.at < METRICS_CACHE_MS ? entry : undefined;
}
