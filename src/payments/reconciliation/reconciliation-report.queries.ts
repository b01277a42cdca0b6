import { Injectable } from '@nestjs/common';
import { Page } from '../../common/pagination';
import { Env } from '../../config/env.schema';
import { TransactionRunner } from '../../database/transaction';
import { LedgerSql } from '../../points/ledger.sql';
import { PurchaseStatus } from '../purchase-status';
import { ReconciliationFlag, ReconciliationQuery, ReconciliationRowDto } from './reconciliation.dto';

interface Row {
  id: string;
  status: PurchaseStatus;
  points_amount: string;
  amount_cents: string;
  currency: string;
  stripe_amount_paid_cents: string | null;
  stripe_amount_refunded_cents: string;
  expected: string;
  client_credited: string;
  moderator_id: string | null;
  moderator_credited: string;
  flags: ReconciliationFlag[];
}

/**
 * Per purchase: what Stripe says was paid, what the client and the moderator were credited (the
 * points module's ledger, joined per purchase through its SQL fragment), and what disagrees.
 */
@Injectable()
export class ReconciliationReportQueries {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly env: Env,
  ) {}

  /** A report: read on the replica. */
  report(query: ReconciliationQuery): Promise<Page<ReconciliationRowDto>> {
    return this.transactions.onReplica(() => this.read(query));
  }

  private async read(query: ReconciliationQuery): Promise<Page<ReconciliationRowDto>> {
    const rows = await this.transactions.manager.query<Row[]>(
      `
      WITH credited AS (
        SELECT t.*,
               CASE WHEN t.status IN ('completed', 'refunded') THEN t.points_amount - t.refunded_points - t.disputed_points ELSE 0 END AS expected,
               l.client_credited, l.moderator_credited
          FROM profile_point_transactions t
          CROSS JOIN LATERAL (${LedgerSql.creditedForPurchase('t.id')}) l
         WHERE ($1::bigint IS NULL OR t.id < $1)
      ), flagged AS (
        SELECT c.*, array_remove(ARRAY[
                 CASE WHEN c.client_credited <> c.expected THEN '${ReconciliationFlag.ClientCredit}' END,
                 CASE WHEN c.moderator_credited <> c.expected THEN '${ReconciliationFlag.ModeratorCredit}' END,
                 CASE WHEN c.status IN ('completed', 'refunded') AND c.stripe_amount_paid_cents IS DISTINCT FROM c.amount_cents
                      THEN '${ReconciliationFlag.PaidAmount}' END,
                 CASE WHEN c.status = 'failed' AND c.failure_reason IN ('amount_mismatch', 'currency_mismatch')
                      THEN '${ReconciliationFlag.PaidNotCredited}' END,
                 CASE WHEN c.status = 'pending' AND c.created_at < now() - make_interval(secs => $2 * 2)
                      THEN '${ReconciliationFlag.StalePending}' END
               ], NULL) AS flags
          FROM credited c
      )
      SELECT id, status, points_amount, amount_cents, currency, stripe_amount_paid_cents, stripe_amount_refunded_cents,
             expected, client_credited, moderator_id, moderator_credited, flags
        FROM flagged
       WHERE NOT $3 OR cardinality(flags) > 0
       ORDER BY id DESC
       LIMIT $4`,
      [query.cursor ?? null, this.env.RECONCILE_AFTER_SECONDS, query.mismatches, query.limit + 1],
    );
    return Page.of(rows.map(toDto), query.limit);
  }
}

function toDto(row: Row): ReconciliationRowDto {
  return {
    id: row.id,
    status: row.status,
    points: Number(row.points_amount),
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    stripePaidCents: row.stripe_amount_paid_cents === null ? null : Number(row.stripe_amount_paid_cents),
    stripeRefundedCents: Number(row.stripe_amount_refunded_cents),
    expectedPoints: Number(row.expected),
    clientCredited: Number(row.client_credited),
    moderatorId: row.moderator_id,
    moderatorCredited: Number(row.moderator_credited),
    flags: row.flags,
  };
}
