import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import { PageQuery } from '../common/pagination';
import { Env } from '../config/env.schema';
import { TransferKind } from '../points/entities/ledger-transfer.entity';
import { LedgerAccount } from '../points/ledger-accounts';
import { EarningEntryDto, EarningsPageDto, ModeratorPointsDto } from './dto/moderator-points.dto';
import { EarningMovement, MICROSECONDS_PER_DAY, splitEarnings } from './earnings';

interface HistoryRow {
  id: string;
  kind: TransferKind;
  points: string;
  transaction_id: string | null;
  created_at: Date;
}

/**
 * A moderator's earnings, read from the points module's ledger (read only: `ledger_transfers` and the
 * cached `users.points`). Both indexes of the ledger, `(credit_account, id DESC)` and
 * `(debit_account, id DESC)`, serve every query here.
 */
@Injectable()
export class ModeratorsService {
  private readonly maturityDays: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<Env, true>,
  ) {
    this.maturityDays = config.get('EARNINGS_MATURITY_DAYS', { infer: true });
  }

  /**
   * Balance, its pending/available split (see `EarningsWalk` for the rule) and one page of history,
   * all from one REPEATABLE READ snapshot so that they agree with each other.
   */
  points(moderator: AuthUser, page: PageQuery): Promise<ModeratorPointsDto> {
    const account = LedgerAccount.moderator(moderator.id);
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      // clock_timestamp(), read after the snapshot is taken: every visible transfer is older.
      const [user] = await manager.query<Array<{ balance: number; now: number }>>(
        `SELECT points::float8 AS balance, (extract(epoch FROM clock_timestamp()) * 1000000)::float8 AS now FROM users WHERE id = $1`,
        [moderator.id],
      );
      const balance = user?.balance ?? 0;
      const pending = user ? await this.pending(manager, account, user.now) : 0;
      return {
        balance,
        pending,
        available: balance - pending,
        maturityDays: this.maturityDays,
        history: await this.history(manager, account, page),
      };
    });
  }

  /**
   * Walks every transfer of the account, oldest first: linear in their number, streamed as three
   * numbers per row through a merge of the two index scans: measured 0.07 s of SQL and 0.2–0.3 s per
   * request for 100 000 transfers. Beyond ~10^6 transfers, keep a checkpoint of the walk's state at an
   * old ledger id (the state after a row never changes: the ledger is append-only) and walk only the
   * newer rows. With a maturity of 0 nothing can be pending and the walk is skipped.
   */
  private async pending(manager: EntityManager, account: string, now: number): Promise<number> {
    if (this.maturityDays === 0) return 0;
    const movements = await manager.query<EarningMovement[]>(
      `SELECT (extract(epoch FROM created_at) * 1000000)::float8 AS at, points FROM (
         (SELECT id, created_at, points::float8 AS points FROM ledger_transfers WHERE credit_account = $1 ORDER BY id)
         UNION ALL
         (SELECT id, created_at, -points::float8 AS points FROM ledger_transfers WHERE debit_account = $1 ORDER BY id)
       ) movement ORDER BY id`,
      [account],
    );
    return splitEarnings(movements, this.maturityDays * MICROSECONDS_PER_DAY, now).pending;
  }

  /** Newest first: each side takes at most limit + 1 rows from its own index, then the two are merged. */
  private async history(manager: EntityManager, account: string, page: PageQuery): Promise<EarningsPageDto> {
    const before = page.cursor ? 'AND id < $3' : '';
    const rows = await manager.query<HistoryRow[]>(
      `SELECT id, kind, points, transaction_id, created_at FROM (
         (SELECT id, kind, points, transaction_id, created_at FROM ledger_transfers
           WHERE credit_account = $1 ${before} ORDER BY id DESC LIMIT $2)
         UNION ALL
         (SELECT id, kind, -points AS points, transaction_id, created_at FROM ledger_transfers
           WHERE debit_account = $1 ${before} ORDER BY id DESC LIMIT $2)
       ) entry ORDER BY id DESC LIMIT $2`,
      page.cursor ? [account, page.limit + 1, page.cursor] : [account, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map((row) => this.toEntry(row));
    return { items, nextCursor: rows.length > page.limit ? items[items.length - 1].id : null };
  }

  private toEntry(row: HistoryRow): EarningEntryDto {
    const points = Number(row.points);
    return {
      id: row.id,
      kind: row.kind,
      points,
      transactionId: row.transaction_id,
      createdAt: row.created_at.toISOString(),
      maturesAt: points > 0 ? new Date(row.created_at.getTime() + this.maturityDays * 86_400_000).toISOString() : null,
    };
  }
}
