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
import { EarningsWalk, MICROSECONDS_PER_DAY } from './earnings';
import { Checkpoint, CheckpointReading, EarningsCheckpoints } from './earnings-checkpoints';

/** A request that walks at least this many transfers beyond its checkpoint prepares and saves the next one. */
export const CHECKPOINT_AFTER_TRANSFERS = 1000;

interface WalkResult {
  pending: number;
  walked: number;
  /** The state at a safe ledger id, to save once the request's transaction is over. */
  next: Checkpoint | null;
}

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
    private readonly checkpoints: EarningsCheckpoints,
    config: ConfigService<Env, true>,
  ) {
    this.maturityDays = config.get('EARNINGS_MATURITY_DAYS', { infer: true });
  }

  /**
   * Balance, its pending/available split (see `EarningsWalk` for the rule) and one page of history,
   * all from one REPEATABLE READ snapshot so that they agree with each other. The split starts from
   * the account's saved checkpoint, read before the snapshot (see EarningsCheckpoints); a request
   * that walked many transfers saves a newer one afterwards.
   */
  async points(moderator: AuthUser, page: PageQuery): Promise<ModeratorPointsDto> {
    const account = LedgerAccount.moderator(moderator.id);
    const maturity = this.maturityDays * MICROSECONDS_PER_DAY;
    const reading = maturity === 0 ? null : await this.checkpoints.read(account, maturity);
    const { dto, walk } = await this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      // clock_timestamp(), read after the snapshot is taken: every visible transfer is older.
      const [user] = await manager.query<Array<{ balance: number; now: number }>>(
        `SELECT points::float8 AS balance, (extract(epoch FROM clock_timestamp()) * 1000000)::float8 AS now FROM users WHERE id = $1`,
        [moderator.id],
      );
      const balance = user?.balance ?? 0;
      const walked = user && reading ? await this.walk(manager, account, user.now, maturity, reading) : null;
      const pending = walked?.pending ?? 0;
      const history = await this.history(manager, account, page);
      return { dto: { balance, pending, available: balance - pending, maturityDays: this.maturityDays, history }, walk: walked };
    });
    if (walk && reading && walk.walked >= CHECKPOINT_AFTER_TRANSFERS) {
      if (walk.next) await this.checkpoints.save(account, maturity, walk.next);
      if (walk.next || reading.needsCandidate) await this.checkpoints.propose(account, maturity);
    }
    return dto;
  }

  /**
   * Walks the account's transfers after the checkpoint, oldest first, streamed as three numbers per
   * row through a merge of the two index scans, and keeps the state reached at the safe id when
   * there is one. With a maturity of 0 nothing can be pending and the walk is skipped.
   */
  private async walk(manager: EntityManager, account: string, now: number, maturity: number, reading: CheckpointReading): Promise<WalkResult> {
    const from = reading.start?.uptoId ?? 0n;
    const rows = await manager.query<Array<{ id: string; at: number; points: number }>>(
      `SELECT id, (extract(epoch FROM created_at) * 1000000)::float8 AS at, points FROM (
         (SELECT id, created_at, points::float8 AS points FROM ledger_transfers WHERE credit_account = $1 AND id > $2 ORDER BY id)
         UNION ALL
         (SELECT id, created_at, -points::float8 AS points FROM ledger_transfers WHERE debit_account = $1 AND id > $2 ORDER BY id)
       ) movement ORDER BY id`,
      [account, from.toString()],
    );
    const walk = new EarningsWalk(maturity, reading.start ?? undefined);
    const safe = reading.safeUpto;
    let next: Checkpoint | null = null;
    let beforeSafe = 0;
    for (const row of rows) {
      if (safe !== null && next === null && BigInt(row.id) > safe) next = { uptoId: safe, ...walk.state() };
      walk.apply(row);
      if (safe !== null && BigInt(row.id) <= safe) beforeSafe++;
    }
    if (safe !== null && next === null) next = { uptoId: safe, ...walk.state() };
    return {
      pending: walk.splitAt(now).pending,
      walked: rows.length,
      next: next && beforeSafe >= CHECKPOINT_AFTER_TRANSFERS ? next : null,
    };
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
