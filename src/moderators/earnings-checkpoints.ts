import { Injectable, Logger } from '@nestjs/common';
import { LedgerReportsQueries } from '../points/ledger-reports.queries';
import { IndexedWalkState } from './earnings';
import { Checkpoint, EarningsCheckpointsRepository } from './earnings-checkpoints.repository';

export type { Checkpoint } from './earnings-checkpoints.repository';

/** A usable checkpoint as a request starts from it (shared between requests: read only). */
export interface CheckpointStart {
  uptoId: bigint;
  walk: IndexedWalkState;
}

export interface CheckpointReading {
  /** Where to start the walk; null: from the first transfer. */
  start: CheckpointStart | null;
  /** A ledger id up to which every transfer is final and visible to a snapshot taken from now on; null: none yet. */
  safeUpto: bigint | null;
  /** Whether a new candidate should be proposed (none, or the last one was used). */
  needsCandidate: boolean;
}

/**
 * The account's checkpoint as a request's own statement reads it, in the snapshot of its walk (see
 * `EarningsCheckpointSql.columns`): [maturity_us, upto_id, candidate_id, available, pending], the
 * last two null when the copy kept in memory is that checkpoint.
 */
export type CheckpointColumns = [string, string, string | null, number | null, Array<[number, number]> | null];

/** What a request's statement saw of the checkpoint. */
export interface CheckpointSeen {
  /** The state its walk started from (the statement walked the transfers after uptoId); null: from the first transfer. */
  start: CheckpointStart | null;
  /**
   * A candidate waits to be used. Whether it may be can only be learnt before a snapshot is taken
   * (`read`), so a request that walked far enough to save a checkpoint reads again.
   */
  candidateWaiting: boolean;
}

/** Parsed checkpoints kept between requests, bounded by the pending credits they hold. */
export const CHECKPOINT_CACHE_CREDITS = 500_000;

/**
 * Saved states of the earnings walk, so that a request walks only the transfers after them.
 *
 * A checkpoint at ledger id X is only right if no transfer with id ≤ X can still appear: ids are
 * taken from a sequence when a row is inserted, not when its transaction commits, so a transaction
 * still running may hold a smaller id than rows already visible. Hence two steps:
 *   1. propose: read the sequence's last value L, then note the time T (clock_timestamp()). Every
 *      id ≤ L was taken before T, by a transaction that started before T;
 *   2. use (on a later request, before its snapshot is taken): if every transaction running in this
 *      database started after T (pg_stat_activity), every transaction that could hold an id ≤ L has
 *      ended, so a snapshot taken afterwards sees all of them, for good.
 * pg_stat_activity shows the start of other sessions' transactions to the same role (the service's
 * own role writes the ledger) or to a role with pg_read_all_stats. A long transaction only delays
 * the next checkpoint. Failing to save one only costs time: requests never depend on it.
 *
 * Once saved, a checkpoint can be read in the same snapshot as the transfers after it: its
 * transfers were all committed before it was. So a request's own statement reads it
 * (`EarningsCheckpointSql`), and only a request that may use a candidate calls `read` before a new
 * snapshot. The statements are EarningsCheckpointsRepository's; the ledger's last id is the points
 * module's (LedgerReportsQueries).
 */
@Injectable()
export class EarningsCheckpoints {
  private readonly logger = new Logger(EarningsCheckpoints.name);
  /**
   * The last checkpoint seen of each account, parsed. A checkpoint is never changed in place (a newer
   * one has a greater uptoId, and the walk up to an id gives one answer), so an entry whose account,
   * maturity and uptoId match the saved row is that row: the row's pending credits (thousands for a
   * busy account) are then neither sent nor parsed again.
   */
  private readonly cache = new CheckpointCache(CHECKPOINT_CACHE_CREDITS);

  constructor(
    private readonly repository: EarningsCheckpointsRepository,
    private readonly ledger: LedgerReportsQueries,
  ) {}

  /** The account's checkpoint kept in memory, taken before a statement that reads the saved one. */
  remembered(account: string, maturity: number): CheckpointStart | null {
    return this.cache.get(account, maturity);
  }

  /** Its uptoId for `EarningsCheckpointSql.columns`: -1 (no checkpoint has it) when there is none. */
  static rememberedUpto(remembered: CheckpointStart | null): string {
    return remembered?.uptoId.toString() ?? '-1';
  }

  /** Interprets what the statement read; `remembered` is what `remembered()` gave before it. */
  seen(account: string, maturity: number, columns: CheckpointColumns | null, remembered: CheckpointStart | null): CheckpointSeen {
    if (!columns) return { start: null, candidateWaiting: false };
    const [maturityUs, upto, candidateId, available, pending] = columns;
    const uptoId = BigInt(upto);
    const candidate = candidateId === null ? null : BigInt(candidateId);
    const usable = Number(maturityUs) === maturity;
    return {
      start: usable ? this.start(account, maturity, uptoId, available, pending, remembered) : null,
      candidateWaiting: candidate !== null && (!usable || candidate > uptoId),
    };
  }

  /**
   * Read before the request's snapshot is taken (see step 2). pg_stat_activity is only consulted when
   * there is a candidate to use.
   */
  async read(account: string, maturity: number): Promise<CheckpointReading> {
    const remembered = this.remembered(account, maturity);
    const row = await this.repository.find(account, maturity, EarningsCheckpoints.rememberedUpto(remembered));
    if (!row) return { start: null, safeUpto: null, needsCandidate: true };
    const uptoId = BigInt(row.upto_id);
    const candidate = row.candidate_id === null ? null : BigInt(row.candidate_id);
    const usable = Number(row.maturity_us) === maturity;
    return {
      start: usable ? this.start(account, maturity, uptoId, row.fetched ? Number(row.available) : null, row.fetched ? row.pending : null, remembered) : null,
      safeUpto: candidate !== null && row.candidate_safe && (!usable || candidate > uptoId) ? candidate : null,
      needsCandidate: candidate === null || candidate <= uptoId,
    };
  }

  /**
   * A usable checkpoint's state: the row's when it was sent (kept from now on), else the copy in
   * memory the statement was given, whose uptoId the row's matched.
   */
  private start(
    account: string,
    maturity: number,
    uptoId: bigint,
    available: number | null,
    pending: Array<[number, number]> | null,
    remembered: CheckpointStart | null,
  ): CheckpointStart {
    if (pending === null || available === null) {
      if (remembered?.uptoId !== uptoId) throw new Error(`earnings checkpoint ${uptoId} of ${account} was neither sent nor remembered`);
      return remembered;
    }
    const start = { uptoId, walk: new IndexedWalkState({ available, pending }) };
    this.cache.put(account, maturity, start);
    return start;
  }

  /** Stores a newer checkpoint; an older one (a concurrent request was first) is ignored. */
  async save(account: string, maturity: number, checkpoint: Checkpoint): Promise<void> {
    await this.quietly('save', async () => {
      await this.repository.save(account, maturity, checkpoint);
      // Kept whether or not it won: a later read uses it only if the saved row is this one.
      const { uptoId, ...state } = checkpoint;
      this.cache.put(account, maturity, { uptoId, walk: new IndexedWalkState(state) });
    });
  }

  /** Step 1: the sequence first, then the time, in two statements. */
  async propose(account: string, maturity: number): Promise<void> {
    await this.quietly('propose', async () => {
      const last = await this.ledger.lastTransferId();
      if (last === null) return;
      await this.repository.propose(account, maturity, last);
    });
  }

  private async quietly(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn(`earnings checkpoint ${what} failed: ${(error as Error).message}`);
    }
  }
}

/** Least recently used first out, once the credits held exceed the budget. */
class CheckpointCache {
  private readonly entries = new Map<string, { maturity: number; start: CheckpointStart }>();
  private credits = 0;

  constructor(private readonly budget: number) {}

  get(account: string, maturity: number): CheckpointStart | null {
    const entry = this.entries.get(account);
    if (!entry || entry.maturity !== maturity) return null;
    this.entries.delete(account);
    this.entries.set(account, entry);
    return entry.start;
  }

  put(account: string, maturity: number, start: CheckpointStart): void {
    this.remove(account);
    if (start.walk.size > this.budget) return;
    this.entries.set(account, { maturity, start });
    this.credits += start.walk.size;
    for (const [oldest] of this.entries) {
      if (this.credits <= this.budget) break;
      this.remove(oldest);
    }
  }

  private remove(account: string): void {
    const entry = this.entries.get(account);
    if (!entry) return;
    this.entries.delete(account);
    this.credits -= entry.start.walk.size;
  }
}
