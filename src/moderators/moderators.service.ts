import { Injectable } from '@nestjs/common';
import { types } from 'pg';
import { AuthUser } from '../auth/auth-user';
import { PageQuery } from '../common/pagination';
import { Env } from '../config/env.schema';
import { ModeratorMoney } from '../payouts/moderator-money.service';
import { LedgerAccount } from '../points/ledger-accounts';
import { EarningEntryDto, ModeratorPointsDto } from './dto/moderator-points.dto';
import { EarningsWalk, MICROSECONDS_PER_DAY } from './earnings';
import { Checkpoint, CheckpointReading, EarningsCheckpoints } from './earnings-checkpoints';
import { HistoryRow, ModeratorPointsQueries, PointsRow } from './moderator-points.queries';

/** A request that walks at least this many transfers beyond its checkpoint prepares and saves the next one. */
export const CHECKPOINT_AFTER_TRANSFERS = 1000;

interface WalkResult {
  pending: number;
  walked: number;
  /** The state at a safe ledger id, to save once the answer is read. */
  next: Checkpoint | null;
}

/** The driver's own parser for timestamptz, so that createdAt is exactly what a column read gives. */
const parseTimestamptz = types.getTypeParser(types.builtins.TIMESTAMPTZ) as (text: string) => Date;

/**
 * A moderator's earnings, read from the points module's ledger and the cached `users.points`
 * (read only, by ModeratorPointsQueries), with the walk that splits them into pending and available.
 */
@Injectable()
export class ModeratorsService {
  private readonly maturityDays: number;

  constructor(
    private readonly queries: ModeratorPointsQueries,
    private readonly checkpoints: EarningsCheckpoints,
    private readonly money: ModeratorMoney,
    env: Env,
  ) {
    this.maturityDays = env.EARNINGS_MATURITY_DAYS;
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
    const [points, money] = await Promise.all([this.pointsOnly(moderator, page), this.money.of(moderator.id)]);
    return { ...points, money };
  }

  private async pointsOnly(moderator: AuthUser, page: PageQuery): Promise<Omit<ModeratorPointsDto, 'money'>> {
    const account = LedgerAccount.moderator(moderator.id);
    const maturity = this.maturityDays * MICROSECONDS_PER_DAY;
    if (maturity === 0) return this.answer(await this.queries.read(moderator.id, account, page, maturity, null), page, null);

    const remembered = this.checkpoints.remembered(account, maturity);
    let row = await this.queries.read(moderator.id, account, page, maturity, { saved: remembered });
    const seen = this.checkpoints.seen(account, maturity, row.checkpoint, remembered);
    let reading: CheckpointReading = { start: seen.start, safeUpto: null, needsCandidate: !seen.candidateWaiting };
    let walk = this.walk(row, maturity, reading);
    if (walk && walk.walked >= CHECKPOINT_AFTER_TRANSFERS && seen.candidateWaiting) {
      reading = await this.checkpoints.read(account, maturity);
      if (reading.safeUpto !== null) {
        row = await this.queries.read(moderator.id, account, page, maturity, { reading });
        walk = this.walk(row, maturity, reading);
      }
    }
    if (walk && walk.walked >= CHECKPOINT_AFTER_TRANSFERS) {
      if (walk.next) await this.checkpoints.save(account, maturity, walk.next);
      if (walk.next || reading.needsCandidate) await this.checkpoints.propose(account, maturity);
    }
    return this.answer(row, page, walk);
  }

  private answer(row: PointsRow, page: PageQuery, walk: WalkResult | null): Omit<ModeratorPointsDto, 'money'> {
    const balance = row.balance ?? 0;
    const pending = walk?.pending ?? 0;
    const items = row.history.slice(0, page.limit).map((entry) => this.toEntry(entry));
    const history = { items, nextCursor: row.history.length > page.limit ? items[items.length - 1].id : null };
    return { balance, pending, available: balance - pending, maturityDays: this.maturityDays, history };
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
