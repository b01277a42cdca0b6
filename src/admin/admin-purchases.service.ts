import { Injectable } from '@nestjs/common';
import { decimalAmount } from '../common/money';
import { Page, PageQuery } from '../common/pagination';
import { Env } from '../config/env.schema';
import { TransactionRunner } from '../database/transaction';
import { PurchaseFilter, PurchaseRecord, PurchaseSearchQueries } from '../payments/purchase-search.queries';
import { csvLine } from './csv';
import { parseRange } from './date-range';
import { AdminTransactionDto, TransactionFilterQuery, TransactionSearchQuery } from './dto/admin-transactions.dto';
import { PurchasesService } from '../payments/purchases.service';

/** The most rows one CSV export holds; narrow the range (`to`) to export older rows. */
export const CSV_MAX_ROWS = 100_000;
const CSV_BATCH = 1000;

const CSV_HEADER = [
  'id',
  'created_at',
  'status',
  'client_id',
  'profile_id',
  'moderator_id',
  'pack',
  'points',
  'refunded_points',
  'disputed_points',
  'amount',
  'currency',
  'failure_reason',
  'credited_at',
  'stripe_session_id',
];

/**
 * Read-only searches over purchases for operators, through the payments module's PurchaseSearchQueries:
 * keyset pages on the id, newest first, with what became of their points, as JSON or CSV.
 */
@Injectable()
export class AdminPurchasesService {
  constructor(
    private readonly purchases: PurchaseSearchQueries,
    private readonly env: Env,
    private readonly history: PurchasesService,
    private readonly transactions: TransactionRunner,
  ) {}

  /** Searches, lists and exports for operators are read on the replica. */
  search(query: TransactionSearchQuery): Promise<Page<AdminTransactionDto>> {
    const filter = filterOf(query);
    return this.transactions.onReplica(async () => this.page(await this.purchases.find(filter, query.cursor, query.limit + 1), query.limit));
  }

  /** A page of rows as their history shows them (with what became of their points), and what operators see besides. */
  private async page(rows: PurchaseRecord[], limit: number): Promise<Page<AdminTransactionDto>> {
    const shown = await this.history.withLots(rows);
    return Page.of(
      rows.map((row, index) => ({ ...shown[index], disputedPoints: row.disputedPoints, stripeSessionId: row.stripeSessionId, updatedAt: row.updatedAt.toISOString() })),
      limit,
    );
  }

  /**
   * The same rows as CSV text, streamed in batches, at most CSV_MAX_ROWS. The filters are checked
   * here, before the first byte is sent, so a bad range is still a 400.
   */
  csv(query: TransactionFilterQuery): AsyncIterable<string> {
    return this.csvLines(filterOf(query));
  }

  /** Purchases that need a look: pending past the reconciliation delay, or failed. Newest first. */
  stuck(page: PageQuery): Promise<Page<AdminTransactionDto>> {
    const age = this.env.RECONCILE_AFTER_SECONDS;
    return this.transactions.onReplica(async () => this.page(await this.purchases.stuck(age, page.cursor, page.limit + 1), page.limit));
  }

  private async *csvLines(filter: PurchaseFilter): AsyncGenerator<string> {
    yield csvLine(CSV_HEADER);
    // Each batch on the replica (a stream holds no connection between batches; a batch the replica fails is read on the primary).
    const batchAfter = (cursor: string | undefined) => this.transactions.onReplica(() => this.purchases.find(filter, cursor, CSV_BATCH));
    let batch = await batchAfter(undefined);
    let sent = 0;
    while (batch.length > 0) {
      const rows = batch.slice(0, CSV_MAX_ROWS - sent);
      yield rows.map(toCsv).join('');
      sent += rows.length;
      if (batch.length < CSV_BATCH || sent >= CSV_MAX_ROWS) return;
      batch = await batchAfter(batch[batch.length - 1].id);
    }
  }
}

/** The query's filters, its range checked (a bad range is a 400 before anything is read or sent). */
function filterOf(query: TransactionFilterQuery): PurchaseFilter {
  const { from, to } = parseRange(query);
  return { status: query.status, clientId: query.client_id, profileId: query.profile_id, moderatorId: query.moderator_id, from, to };
}


function toCsv(row: PurchaseRecord): string {
  return csvLine([
    row.id,
    row.createdAt.toISOString(),
    row.status,
    row.clientId,
    row.profileId,
    row.moderatorId,
    row.packCode,
    row.pointsAmount,
    row.refundedPoints,
    row.disputedPoints,
    decimalAmount(row.amountCents, row.currency),
    row.currency,
    row.failureReason,
    row.creditedAt?.toISOString() ?? null,
    row.stripeSessionId,
  ]);
}
