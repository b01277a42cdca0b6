import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { types } from 'pg';
import { DataSource } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import { PageQuery } from '../common/pagination';
import { Env } from '../config/env.schema';
import { TransferKind } from '../points/entities/ledger-transfer.entity';
import { LedgerAccount } from '../points/ledger-accounts';
import { EarningEntryDto, ModeratorPointsDto } from './dto/moderator-points.dto';
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

/** [id, kind, signed points, transaction id, created_at as the server writes a timestamptz] */
type HistoryRow = [string, TransferKind, number, string | null, string];

interface PointsRow {
  /** null: no such user. */
  balance: number | null;
  now: number;
  /** The transfers after the checkpoint, in id order, as [created_at in µs, signed points]; and how many of them have id ≤ the safe id. */
  walk: [Array<[number, number]>, number] | null;
  /** Newest first, at most limit + 1. */
  history: HistoryRow[];
}

/** The driver's own parser for timestamptz, so that createdAt is exactly what a column read gives. */
const parseTimestamptz = types.getTypeParser(types.builtins.TIMESTAMPTZ) as (text: string) => Date;

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
   * all read by one statement, i.e. from one snapshot, so that they agree with each other (and in one
   * round trip, with no transaction to open and close). The split starts from the account's saved
   * checkpoint, read before that snapshot (see EarningsCheckpoints); a request that walked many
   * transfers saves a newer one afterwards.
   */
  async points(moderator: AuthUser, page: PageQuery): Promise<ModeratorPointsDto> {
    const account = LedgerAccount.moderator(moderator.id);
    const maturity = this.maturityDays * MICROSECONDS_PER_DAY;
    const reading = maturity === 0 ? null : await this.checkpoints.read(account, maturity);
    const row = await this.read(moderator.id, account, page, reading);
    const balance = row.balance ?? 0;
    const walk = row.balance !== null && row.walk && reading ? this.walk(row.walk, row.now, maturity, reading) : null;
    const pending = walk?.pending ?? 0;
    const items = row.history.slice(0, page.limit).map((entry) => this.toEntry(entry));
    const history = { items, nextCursor: row.history.length > page.limit ? items[items.length - 1].id : null };
    if (walk && reading && walk.walked >= CHECKPOINT_AFTER_TRANSFERS) {
      if (walk.next) await this.checkpoints.save(account, maturity, walk.next);
      if (walk.next || reading.needsCandidate) await this.checkpoints.propose(account, maturity);
    }
    return { balance, pending, available: balance - pending, maturityDays: this.maturityDays, history };
  }

  /**
   * One statement: the cached balance; clock_timestamp(), which it evaluates after its snapshot was
   * taken, so every visible transfer is older; the transfers after the checkpoint, oldest first,
   * through a merge of the two index scans (skipped with a maturity of 0: nothing can be pending);
   * and the history page, newest first, each side taking at most limit + 1 rows from its own index.
   * Rows come back as JSON arrays: one row to parse, whatever the number of transfers walked.
   */
  private async read(userId: string, account: string, page: PageQuery, reading: CheckpointReading | null): Promise<PointsRow> {
    const parameters: unknown[] = [userId, account, page.limit + 1];
    const param = (value: unknown) => `$${parameters.push(value)}`;
    const before = page.cursor ? `AND id < ${param(page.cursor)}` : '';
    let walk = 'NULL::json';
    if (reading) {
      const from = param((reading.start?.uptoId ?? 0n).toString());
      const safe = param(reading.safeUpto === null ? null : reading.safeUpto.toString());
      walk = `(SELECT json_build_array(coalesce(json_agg(json_build_array(at, points) ORDER BY id), '[]'), count(*) FILTER (WHERE id <= ${safe}::bigint))
                 FROM (SELECT id, (extract(epoch FROM created_at) * 1000000)::float8 AS at, points::float8 AS points
                         FROM ledger_transfers WHERE credit_account = $2 AND id > ${from}
                       UNION ALL
                       SELECT id, (extract(epoch FROM created_at) * 1000000)::float8, -points::float8
                         FROM ledger_transfers WHERE debit_account = $2 AND id > ${from}) movement)`;
    }
    const [row] = await this.dataSource.query<PointsRow[]>(
      `SELECT (SELECT points::float8 FROM users WHERE id = $1) AS balance,
              (extract(epoch FROM clock_timestamp()) * 1000000)::float8 AS now,
              ${walk} AS walk,
              (SELECT coalesce(json_agg(json_build_array(id::text, kind, points, transaction_id::text, created_at::text) ORDER BY id DESC), '[]')
                 FROM ((SELECT id, kind, points, transaction_id, created_at FROM ledger_transfers
                         WHERE credit_account = $2 ${before} ORDER BY id DESC LIMIT $3)
                       UNION ALL
                       (SELECT id, kind, -points AS points, transaction_id, created_at FROM ledger_transfers
                         WHERE debit_account = $2 ${before} ORDER BY id DESC LIMIT $3)
                       ORDER BY id DESC LIMIT $3) entry) AS history`,
      parameters,
    );
    return row;
  }

  /**
   * Goes on from the checkpoint with the transfers after it, and keeps the state reached at the safe
   * id when there is one. With no transfer after it, the checkpoint answers by itself.
   */
  private walk([movements, beforeSafe]: [Array<[number, number]>, number], now: number, maturity: number, reading: CheckpointReading): WalkResult {
    const { start, safeUpto } = reading;
    if (start && movements.length === 0) return { pending: start.walk.pendingAt(now), walked: 0, next: null };
    const walk = new EarningsWalk(maturity, start?.walk.state);
    const movement = { at: 0, points: 0 };
    const apply = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        movement.at = movements[i][0];
        movement.points = movements[i][1];
        walk.apply(movement);
      }
    };
    apply(0, beforeSafe);
    const next = safeUpto !== null && beforeSafe >= CHECKPOINT_AFTER_TRANSFERS ? { uptoId: safeUpto, ...walk.state() } : null;
    apply(beforeSafe, movements.length);
    return { pending: walk.splitAt(now).pending, walked: movements.length, next };
  }

  private toEntry([id, kind, points, transactionId, createdAt]: HistoryRow): EarningEntryDto {
    const created = parseTimestamptz(createdAt);
    return {
      id,
      kind,
      points,
      transactionId,
      createdAt: created.toISOString(),
      maturesAt: points > 0 ? new Date(created.getTime() + this.maturityDays * 86_400_000).toISOString() : null,
    };
  }
}
