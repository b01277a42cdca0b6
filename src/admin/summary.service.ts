import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { CurrencyRevenue, PurchaseReportsQueries } from '../payments/purchase-reports.queries';
import { LedgerReportsQueries, ModeratorLedgerTotals } from '../points/ledger-reports.queries';
import { parseRange } from './date-range';
import { DateRangeQuery } from './dto/admin-transactions.dto';
import { CurrencyRevenueDto, ModeratorEarningsDto, PlatformSummaryDto } from './dto/summary.dto';

/**
 * Platform figures for a range, on three stated bases: purchases by when they were credited (their
 * refunds so far included, so net revenue is per cohort), moderator earnings by ledger transfer
 * time, and transaction counts by creation time. Each comes from its owner's query service.
 */
@Injectable()
export class SummaryService {
  constructor(
    private readonly purchases: PurchaseReportsQueries,
    private readonly ledger: LedgerReportsQueries,
    private readonly transactions: TransactionRunner,
  ) {}

  async summary(query: DateRangeQuery): Promise<PlatformSummaryDto> {
    const { from, to } = parseRange(query);
    // A report: read on the replica.
    const [revenue, moderators, statusCounts] = await this.transactions.onReplica(() =>
      Promise.all([this.purchases.revenueByCurrency(from, to), this.ledger.moderatorTotals(from, to), this.purchases.statusCounts(from, to)]),
    );

    return {
      from: from?.toISOString() ?? null,
      to: to?.toISOString() ?? null,
      purchases: revenue.reduce((sum, row) => sum + row.purchases, 0),
      pointsSold: revenue.reduce((sum, row) => sum + row.points, 0),
      refundedPoints: revenue.reduce((sum, row) => sum + row.refundedPoints, 0),
      revenue: revenue.map(toRevenue),
      moderators: moderators.map(toEarnings),
      statusCounts,
    };
  }
}

function toRevenue({ currency, purchases, grossCents, refundedCents }: CurrencyRevenue): CurrencyRevenueDto {
  return { currency, purchases, grossCents, refundedCents, netCents: grossCents - refundedCents };
}

function toEarnings({ moderatorId, creditedPoints, debitedPoints }: ModeratorLedgerTotals): ModeratorEarningsDto {
  return { moderatorId, creditedPoints, debitedPoints, netPoints: creditedPoints - debitedPoints };
}
