import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SelectQueryBuilder } from 'typeorm';
import { decimalAmount } from '../common/money';
import { Page, PageQuery } from '../common/pagination';
import { Env } from '../config/env.schema';
import { TransactionRunner } from '../database/transaction';
import { PointTransaction } from '../payments/entities/point-transaction.entity';
import { TransactionStatus } from '../payments/purchase-status';
import { csvLine } from './csv';
import { parseRange } from './date-range';
import { AdminTransactionDto, TransactionFilterQuery, TransactionSearchQuery } from './dto/admin-transactions.dto';
import { toDto as toTransactionDto } from '../payments/transactions.service';
import { LotsService, LotSummary } from '../points/lots/lots.service';

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
 * Read-only searches over purchases for operators. Every filter is served by an index ending in
 * `id DESC` (or by created_at), and pages are keyset pages on the id, newest first.
 */
@Injectable()
export class TransactionSearchService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly config: ConfigService<Env, true>,
    private readonly lots: LotsService,
  ) {}

  async search(query: TransactionSearchQuery): Promise<Page<AdminTransactionDto>> {
    const rows = await this.filtered(query, query.cursor)
      .limit(query.limit + 1)
      .getMany();
    return this.page(rows, query.limit);
  }

  /** A page of rows with what became of their points. */
  private async page(rows: PointTransaction[], limit: number): Promise<Page<AdminTransactionDto>> {
    const lots = await this.lots.summaries(rows.map((row) => row.id));
    return Page.of(
      rows.map((row) => toDto(row, lots.get(row.id))),
      limit,
    );
  }

  /**
   * The same rows as CSV text, streamed in batches, at most CSV_MAX_ROWS. The filters are checked
   * here, before the first byte is sent, so a bad range is still a 400.
   */
  csv(query: TransactionFilterQuery): AsyncIterable<string> {
    const first = this.filtered(query);
    return this.csvLines(query, first);
  }

  /** Purchases that need a look: pending past the reconciliation delay, or failed. Newest first. */
  async stuck(page: PageQuery): Promise<Page<AdminTransactionDto>> {
    const age = this.config.get('RECONCILE_AFTER_SECONDS', { infer: true });
    const query = this.transactions
      .repository(PointTransaction)
      .createQueryBuilder('t')
      .where(
        `((t.status = :pending AND t.createdAt < now() - make_interval(secs => :age)) OR t.status = :failed)`,
        { pending: TransactionStatus.Pending, failed: TransactionStatus.Failed, age },
      );
    if (page.cursor) query.andWhere('t.id < :cursor', { cursor: page.cursor });
    const rows = await query
      .orderBy('t.id', 'DESC')
      .limit(page.limit + 1)
      .getMany();
    return this.page(rows, page.limit);
  }

  private async *csvLines(query: TransactionFilterQuery, first: SelectQueryBuilder<PointTransaction>): AsyncGenerator<string> {
    yield csvLine(CSV_HEADER);
    let batch = await first.limit(CSV_BATCH).getMany();
    let sent = 0;
    while (batch.length > 0) {
      const rows = batch.slice(0, CSV_MAX_ROWS - sent);
      yield rows.map(toCsv).join('');
      sent += rows.length;
      if (batch.length < CSV_BATCH || sent >= CSV_MAX_ROWS) return;
      batch = await this.filtered(query, batch[batch.length - 1].id)
        .limit(CSV_BATCH)
        .getMany();
    }
  }

  private filtered(filter: TransactionFilterQuery, cursor?: string): SelectQueryBuilder<PointTransaction> {
    const { from, to } = parseRange(filter);
    const query = this.transactions.repository(PointTransaction).createQueryBuilder('t');
    if (filter.status) query.andWhere('t.status = :status', { status: filter.status });
    if (filter.client_id) query.andWhere('t.clientId = :clientId', { clientId: filter.client_id });
    if (filter.profile_id) query.andWhere('t.profileId = :profileId', { profileId: filter.profile_id });
    if (filter.moderator_id) query.andWhere('t.moderatorId = :moderatorId', { moderatorId: filter.moderator_id });
    if (from) query.andWhere('t.createdAt >= :from', { from });
    if (to) query.andWhere('t.createdAt < :to', { to });
    if (cursor) query.andWhere('t.id < :cursor', { cursor });
    return query.orderBy('t.id', 'DESC');
  }
}

function toDto(row: PointTransaction, lot: LotSummary | undefined): AdminTransactionDto {
  return {
    ...toTransactionDto(row, lot),
    disputedPoints: row.disputedPoints,
    stripeSessionId: row.stripeSessionId,
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toCsv(row: PointTransaction): string {
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
