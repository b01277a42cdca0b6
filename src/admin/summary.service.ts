import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { TransactionStatus } from '../payments/purchase-status';
import { LedgerAccountSql } from '../points/ledger-accounts';
import { parseRange } from './date-range';
import { DateRangeQuery } from './dto/admin-transactions.dto';
import { CurrencyRevenueDto, ModeratorEarningsDto, PlatformSummaryDto, StatusCountsDto } from './dto/summary.dto';

interface RevenueRow {
  currency: string;
  purchases: number;
  points: string;
  refunded_points: string;
  gross_cents: string;
  refunded_cents: string;
}

interface ModeratorRow {
  moderator_id: string;
  credited: string;
  debited: string;
}

/**
 * Platform figures for a range, on three stated bases: purchases by when they were credited (their
 * refunds so far included, so net revenue is per cohort), moderator earnings by ledger transfer
 * time, and transaction counts by creation time.
 */
@Injectable()
export class SummaryService {
  constructor(private readonly transactions: TransactionRunner) {}

  async summary(query: DateRangeQuery): Promise<PlatformSummaryDto> {
    const { from, to } = parseRange(query);
    // ±infinity keep each query one index range scan whether or not a bound is given.
    const range = [from ?? '-infinity', to ?? 'infinity'];
    const db = this.transactions.manager;
    const [revenue, moderators, statuses] = await Promise.all([
      db.query<RevenueRow[]>(
        `SELECT currency, count(*)::int AS purchases, sum(points_amount) AS points, sum(refunded_points) AS refunded_points,
                sum(amount_cents) AS gross_cents, sum(stripe_amount_refunded_cents) AS refunded_cents
           FROM profile_point_transactions
          WHERE credited_at >= $1 AND credited_at < $2
          GROUP BY currency
          ORDER BY currency`,
        range,
      ),
      db.query<ModeratorRow[]>(
        `SELECT ${LedgerAccountSql.moderatorIdOf('account')} AS moderator_id,
                sum(credited) AS credited, sum(debited) AS debited
           FROM (SELECT credit_account AS account, points AS credited, 0 AS debited
                   FROM ledger_transfers
                  WHERE created_at >= $1 AND created_at < $2 AND credit_account LIKE ${LedgerAccountSql.moderatorPattern}
                 UNION ALL
                 SELECT debit_account, 0, points
                   FROM ledger_transfers
                  WHERE created_at >= $1 AND created_at < $2 AND debit_account LIKE ${LedgerAccountSql.moderatorPattern}) AS moves
          GROUP BY account
          ORDER BY ${LedgerAccountSql.moderatorIdOf('account')}::bigint`,
        range,
      ),
      db.query<Array<{ status: TransactionStatus; count: number }>>(
        `SELECT status, count(*)::int AS count
           FROM profile_point_transactions
          WHERE created_at >= $1 AND created_at < $2
          GROUP BY status`,
        range,
      ),
    ]);

    return {
      from: from?.toISOString() ?? null,
      to: to?.toISOString() ?? null,
      purchases: revenue.reduce((sum, row) => sum + row.purchases, 0),
      pointsSold: revenue.reduce((sum, row) => sum + Number(row.points), 0),
      refundedPoints: revenue.reduce((sum, row) => sum + Number(row.refunded_points), 0),
      revenue: revenue.map(toRevenue),
      moderators: moderators.map(toEarnings),
      statusCounts: toCounts(statuses),
    };
  }
}

function toRevenue(row: RevenueRow): CurrencyRevenueDto {
  const grossCents = Number(row.gross_cents);
  const refundedCents = Number(row.refunded_cents);
  return { currency: row.currency, purchases: row.purchases, grossCents, refundedCents, netCents: grossCents - refundedCents };
}

function toEarnings(row: ModeratorRow): ModeratorEarningsDto {
  const creditedPoints = Number(row.credited);
  const debitedPoints = Number(row.debited);
  return { moderatorId: row.moderator_id, creditedPoints, debitedPoints, netPoints: creditedPoints - debitedPoints };
}

function toCounts(rows: Array<{ status: TransactionStatus; count: number }>): StatusCountsDto {
  const counts: StatusCountsDto = { pending: 0, completed: 0, failed: 0, expired: 0, refunded: 0 };
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}
