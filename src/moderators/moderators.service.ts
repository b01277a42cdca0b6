import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { types } from 'pg';
import { DataSource } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import { PageQuery } from '../common/pagination';
import { Env } from '../config/env.schema';
import { TransferKind } from '../points/transfer-kind';
import { LedgerAccount } from '../points/ledger-accounts';
import { EarningEntryDto, ModeratorPointsDto } from './dto/moderator-points.dto';
import { EarningsWalk, MICROSECONDS_PER_DAY } from './earnings';
import { Checkpoint, CheckpointColumns, CheckpointReading, CheckpointStart, EarningsCheckpoints } from './earnings-checkpoints';

/** A request that walks at least this many transfers beyond its checkpoint prepares and saves the next one. */
export const CHECKPOINT_AFTER_TRANSFERS = 1000;

interface WalkResult {
  pending: number;
  walked: number;
  /** The state at a safe ledger id, to save once the answer is read. */
  next: Checkpoint | null;
}

/** [id, kind, signed points, transaction id, created_at as the server writes a timestamptz] */
type HistoryRow = [string, TransferKind, number, string | null, string];

interface PointsRow {
  /** null: no such user. */
  balance: number | null;
  now: number;
  /**
   * The transfers after the checkpoint, in id order: their created_at in µs and signed points, and
   * how many of them have id ≤ the safe id. null: no walk.
   */
  walk: [number[], number[], number] | null;
  /** What the statement saw of the checkpoint, when it read it itself. */
  checkpoint: CheckpointColumns | null;
  /** Newest first, at most limit + 1. */
  history: HistoryRow[];
}

/** Where a statement's walk starts: the checkpoint as the statement itself reads it, or one read before it. */
type WalkFrom = { saved: CheckpointStart | null } | { reading: CheckpointReading };

/** The driver's own parser for timestamptz, so that createdAt is exactly what a column read gives. */
const parseTimestamptz = types.getTypeParser(types.builtins.TIMESTAMPTZ) as (text: string) => Date;

/**
 * A moderator's earnings, read from the points module's ledger (read only: `ledger_transfers` and the
 * cached `users.points`). Both indexes of the ledger, `(credit_account, id DESC)` and
 * `(debit_account, id DESC)`, serve every query here (covering the walk's columns).
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
   * checkpoint, which the statement reads too. A request that walked many transfers prepares a newer
   * checkpoint; when a candidate waits to be used it checks it (before a snapshot, see
   * EarningsCheckpoints), and if it may be used, reads again from a new snapshot and saves the state
   * reached at the candidate.
   */
  async points(moderator: AuthUser, page: PageQuery): Promise<ModeratorPointsDto> {
    const account = LedgerAccount.moderator(moderator.id);
    const maturity = this.maturityDays * MICROSECONDS_PER_DAY;
    if (maturity === 0) return this.answer(await this.read(moderator.id, account, page, maturity, null), page, null);

    const remembered = this.checkpoints.remembered(account, maturity);
    let row = await this.read(moderator.id, account, page, maturity, { saved: remembered });
    const seen = this.checkpoints.seen(account, maturity, row.checkpoint, remembered);
    let reading: CheckpointReading = { start: seen.start, safeUpto: null, needsCandidate: !seen.candidateWaiting };
    let walk = this.walk(row, maturity, reading);
    if (walk && walk.walked >= CHECKPOINT_AFTER_TRANSFERS && seen.candidateWaiting) {
      reading = await this.checkpoints.read(account, maturity);
      if (reading.safeUpto !== null) {
        row = await this.read(moderator.id, account, page, maturity, { reading });
        walk = this.walk(row, maturity, reading);
      }
    }
    if (walk && walk.walked >= CHECKPOINT_AFTER_TRANSFERS) {
      if (walk.next) await this.checkpoints.save(account, maturity, walk.next);
      if (walk.next || reading.needsCandidate) await this.checkpoints.propose(account, maturity);
    }
    return this.answer(row, page, walk);
  }

  private answer(row: PointsRow, page: PageQuery, walk: WalkResult | null): ModeratorPointsDto {
    const balance = row.balance ?? 0;
    const pending = walk?.pending ?? 0;
    const items = row.history.slice(0, page.limit).map((entry) => this.toEntry(entry));
    const history = { items, nextCursor: row.history.length > page.limit ? items[items.length - 1].id : null };
    return { balance, pending, available: balance - pending, maturityDays: this.maturityDays, history };
  }

  /**
   * One statement: the cached balance; clock_timestamp(), which it evaluates after its snapshot was
   * taken, so every visible transfer is older; the transfers after the checkpoint, oldest first,
   * from the two index scans (none with a maturity of 0: nothing can be pending); and the history
   * page, newest first, each side taking at most limit + 1 rows from its own index. Everything comes
   * back as JSON in one row, whatever the number of transfers walked.
   */
  private async read(userId: string, account: string, page: PageQuery, maturity: number, from: WalkFrom | null): Promise<PointsRow> {
    const parameters: unknown[] = [userId, account, page.limit + 1];
    const param = (value: unknown) => `$${parameters.push(value)}`;
    const before = page.cursor ? `AND id < ${param(page.cursor)}` : '';
    let walk = 'NULL::json';
    let checkpoint = 'NULL::json';
    if (from) {
      let after: string;
      let safe = 'NULL';
      if ('saved' in from) {
        const maturityUs = param(maturity);
        after = EarningsCheckpoints.startSql('$2', maturityUs);
        checkpoint = EarningsCheckpoints.columnSql('$2', maturityUs, param(EarningsCheckpoints.rememberedUpto(from.saved)));
      } else {
        after = param((from.reading.start?.uptoId ?? 0n).toString());
        if (from.reading.safeUpto !== null) safe = param(from.reading.safeUpto.toString());
      }
      walk = `(SELECT json_build_array(coalesce(json_agg(at ORDER BY id), '[]'), coalesce(json_agg(points ORDER BY id), '[]'),
                                       count(*) FILTER (WHERE id <= ${safe}::bigint))
                 FROM (SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint AS at, points
                         FROM ledger_transfers WHERE credit_account = $2 AND id > ${after}
                       UNION ALL
                       SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint, -points
                         FROM ledger_transfers WHERE debit_account = $2 AND id > ${after}) movement)`;
    }
    const [row] = await this.dataSource.query<PointsRow[]>(
      `SELECT (SELECT points::float8 FROM users WHERE id = $1) AS balance,
              (extract(epoch FROM clock_timestamp()) * 1000000)::float8 AS now,
              ${checkpoint} AS checkpoint,
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
   * id when there is one. With no transfer after it, the checkpoint answers by itself. null: no walk
   * (no such user, or a maturity of 0).
   */
  private walk(row: PointsRow, maturity: number, reading: CheckpointReading): WalkResult | null {
    if (row.balance === null || !row.walk) return null;
    const [ats, points, beforeSafe] = row.walk;
    const { start, safeUpto } = reading;
    if (start && ats.length === 0) return { pending: start.walk.pendingAt(row.now), walked: 0, next: null };
    const walk = new EarningsWalk(maturity, start?.walk.state);
    const movement = { at: 0, points: 0 };
    const apply = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        movement.at = ats[i];
        movement.points = points[i];
        walk.apply(movement);
      }
    };
    apply(0, beforeSafe);
    const next = safeUpto !== null && beforeSafe >= CHECKPOINT_AFTER_TRANSFERS ? { uptoId: safeUpto, ...walk.state() } : null;
    apply(beforeSafe, ats.length);
    return { pending: walk.splitAt(row.now).pending, walked: ats.length, next };
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
