import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Env } from '../config/env.schema';
import { ReconciliationFlag } from '../payments/reconciliation/reconciliation.dto';

export interface OutboxBacklog {
  pending: number;
  /** 0 when nothing is pending. */
  oldestAgeSeconds: number;
}

/** The flags of the reconciliation report that an index answers; the others need the whole ledger. */
export const SCRAPED_MISMATCH_FLAGS = [ReconciliationFlag.StalePending, ReconciliationFlag.PaidNotCredited] as const;
export type ScrapedMismatchFlag = (typeof SCRAPED_MISMATCH_FLAGS)[number];

/**
 * How far back a paid-but-not-credited purchase counts: it stays `failed` for good (the report
 * keeps listing it), so the gauge counts the recent ones and an alert on it clears by itself.
 */
export const PAID_NOT_CREDITED_WINDOW_HOURS = 24;

/** A scrape every few seconds on every instance must stay cheap however the tables grow. */
const CACHE_MS = 1000;

/**
 * Read-only SQL run when Prometheus scrapes, never per request. Each statement reads a partial or
 * leading-column index, so its cost follows the backlog (or the day's failures), not the history:
 * - the outbox backlog: `ix_outbox_events_unpublished … WHERE published_at IS NULL`;
 * - stale pending purchases (the report's `stale_pending`, same threshold):
 *   `ix_transactions_pending (created_at) WHERE status = 'pending'`;
 * - paid but not credited (the report's `paid_but_not_credited`, amount or currency mismatch) in the
 *   last PAID_NOT_CREDITED_WINDOW_HOURS: `ix_transactions_status_created (status, created_at, id)`.
 * The credit-vs-ledger flags of the report sum the ledger of every purchase: they stay in
 * `GET /admin/reconciliation`.
 * Results are shared by the gauges of one scrape (and cached a second, for scrapers side by side).
 */
@Injectable()
export class MetricsQueries {
  private outbox?: { at: number; value: Promise<OutboxBacklog> };
  private mismatches?: { at: number; value: Promise<Record<ScrapedMismatchFlag, number>> };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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

  private async queryOutbox(): Promise<OutboxBacklog> {
    const [row] = await this.dataSource.query<Array<{ pending: number; oldest_age: number | null }>>(
      `SELECT count(*)::int AS pending,
              extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest_age
         FROM outbox_events
        WHERE published_at IS NULL`,
    );
    return { pending: row.pending, oldestAgeSeconds: Math.max(0, row.oldest_age ?? 0) };
  }

  private async queryMismatches(): Promise<Record<ScrapedMismatchFlag, number>> {
    const [row] = await this.dataSource.query<Array<{ stale_pending: number; paid_not_credited: number }>>(
      `SELECT (SELECT count(*)::int FROM profile_point_transactions
                WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1 * 2)) AS stale_pending,
              (SELECT count(*)::int FROM profile_point_transactions
                WHERE status = 'failed' AND created_at > now() - make_interval(hours => $2)
                  AND failure_reason IN ('amount_mismatch', 'currency_mismatch')) AS paid_not_credited`,
      [this.env.RECONCILE_AFTER_SECONDS, PAID_NOT_CREDITED_WINDOW_HOURS],
    );
    return { [ReconciliationFlag.StalePending]: row.stale_pending, [ReconciliationFlag.PaidNotCredited]: row.paid_not_credited };
  }

  private forgetOnFailure<T>(value: Promise<T>, forget: () => void): Promise<T> {
    return value.catch((error: unknown) => {
      forget();
      throw error;
    });
  }
}

function fresh<T extends { at: number }>(entry: T | undefined): T | undefined {
  return entry && Date.now() - entry.at < CACHE_MS ? entry : undefined;
}
