import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { PurchaseStatus } from './purchase-status';

/** Purchases credited in a range, by currency, their refunds so far included. Money in minor units. */
export interface CurrencyRevenue {
  currency: string;
  purchases: number;
  points: number;
  refundedPoints: number;
  grossCents: number;
  refundedCents: number;
}

/** Purchases that the reconciliation would flag, counted for the metrics. */
export interface PurchaseMismatchCounts {
  stalePending: number;
  paidNotCredited: number;
}

/**
 * Aggregates over purchases for the operators' reports and the metrics: read only, each one index
 * range scan (a bound not given is ±infinity).
 */
@Injectable()
export class PurchaseReportsQueries {
  constructor(private readonly transactions: TransactionRunner) {}

  /** By credited_at, so net revenue is per cohort. */
  async revenueByCurrency(from: Date | null, to: Date | null): Promise<CurrencyRevenue[]> {
    const rows = await this.transactions.manager.query<
      Array<{ currency: string; purchases: number; points: string; refunded_points: string; gross_cents: string; refunded_cents: string }>
    >(
      `SELECT currency, count(*)::int AS purchases, sum(points_amount) AS points, sum(refunded_points) AS refunded_points,
              sum(amount_cents) AS gross_cents, sum(stripe_amount_refunded_cents) AS refunded_cents
         FROM profile_point_transactions
        WHERE credited_at >= $1 AND credited_at < $2
        GROUP BY currency
        ORDER BY currency`,
      range(from, to),
    );
    return rows.map((row) => ({
      currency: row.currency,
      purchases: row.purchases,
      points: Number(row.points),
      refundedPoints: Number(row.refunded_points),
      grossCents: Number(row.gross_cents),
      refundedCents: Number(row.refunded_cents),
    }));
  }

  /** Purchases created in the range, by status (every status present, 0 when none). */
  async statusCounts(from: Date | null, to: Date | null): Promise<Record<PurchaseStatus, number>> {
    const rows = await this.transactions.manager.query<Array<{ status: PurchaseStatus; count: number }>>(
      `SELECT status, count(*)::int AS count
         FROM profile_point_transactions
        WHERE created_at >= $1 AND created_at < $2
        GROUP BY status`,
      range(from, to),
    );
    const counts = Object.fromEntries(Object.values(PurchaseStatus).map((status) => [status, 0])) as Record<PurchaseStatus, number>;
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  /**
   * Pending for more than twice the reconciliation delay (the reconciler should have settled them),
   * and paid but refused for a wrong amount or currency within the last `windowHours`.
   */
  async mismatchCounts(reconcileAfterSeconds: number, windowHours: number): Promise<PurchaseMismatchCounts> {
    const [row] = await this.transactions.manager.query<Array<{ stale_pending: number; paid_not_credited: number }>>(
      `SELECT (SELECT count(*)::int FROM profile_point_transactions
                WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1 * 2)) AS stale_pending,
              (SELECT count(*)::int FROM profile_point_transactions
                WHERE status = 'failed' AND created_at > now() - make_interval(hours => $2)
                  AND failure_reason IN ('amount_mismatch', 'currency_mismatch')) AS paid_not_credited`,
      [reconcileAfterSeconds, windowHours],
    );
    return { stalePending: row.stale_pending, paidNotCredited: row.paid_not_credited };
  }
}

/** ±infinity keep each query one index range scan whether or not a bound is given. */
function range(from: Date | null, to: Date | null): [Date | string, Date | string] {
  return [from ?? '-infinity', to ?? 'infinity'];
}
