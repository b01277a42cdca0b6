/** One ledger transfer touching a moderator's account, as the walk sees it. */
export interface EarningMovement {
  /** Signed: positive is a credit to the moderator, negative a debit (refund, dispute). */
  points: number;
  /** When the transfer was written (`created_at`), in microseconds since the epoch. */
  at: number;
}

export interface EarningsSplit {
  pending: number;
  available: number;
}

export const MICROSECONDS_PER_DAY = 86_400 * 1_000_000;

interface PendingCredit {
  points: number;
  maturesAt: number;
}

/**
 * The walk's whole state between two transfers: what a checkpoint stores. `pending` lists the
 * pending credits oldest first as [maturesAt, points] pairs.
 */
export interface EarningsWalkState {
  available: number;
  pending: Array<[number, number]>;
}

/**
 * Splits a moderator's earnings into `pending` and `available`.
 *
 * The rule: an earning (any credit to `moderator:<id>`) is pending for the maturity period, the
 * refund/dispute risk window, then available. Walking the account's transfers in ledger (id) order:
 *   1. credits whose maturity (`created_at + maturity`) is at or before this transfer's `created_at`
 *      become available;
 *   2. a credit enters pending;
 *   3. a debit (refund, dispute) takes from pending first, the OLDEST pending credit first (the one
 *      that matures soonest; ties by ledger order), and what pending cannot cover from available,
 *      which may go negative: a negative available is shown, never clamped.
 * At the end, credits matured by `now` become available.
 *
 * Oldest-first keeps the freshest earnings pending the longest, and it makes "oldest" and "matures
 * first" the same credit, so one queue ordered by maturity serves both steps in O(1) amortised per
 * transfer: the walk is linear in the number of transfers, its memory bounded by the credits of one
 * maturity window.
 */
export class EarningsWalk {
  /** Pending credits ordered by maturity; `head` is the oldest one still pending. */
  private readonly queue: PendingCredit[] = [];
  private head = 0;
  private available = 0;

  constructor(
    private readonly maturity: number,
    state?: EarningsWalkState,
  ) {
    if (!Number.isFinite(maturity) || maturity < 0) throw new RangeError(`maturity must be ≥ 0, not ${maturity}`);
    if (state) {
      this.available = state.available;
      for (const [maturesAt, points] of state.pending) this.queue.push({ maturesAt, points });
    }
  }

  /**
   * The state after the transfers applied so far, to go on from later with `new EarningsWalk(maturity,
   * state)`: walking the rest from there gives exactly what walking everything gives. Neighbouring
   * credits that mature at the same moment are one entry: taken from and matured together, they
   * behave as one.
   */
  state(): EarningsWalkState {
    const pending: Array<[number, number]> = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const { maturesAt, points } = this.queue[i];
      const last = pending[pending.length - 1];
      if (last && last[0] === maturesAt) last[1] += points;
      else if (points > 0) pending.push([maturesAt, points]);
    }
    return { available: this.available, pending };
  }

  apply(movement: EarningMovement): this {
    this.mature(movement.at);
    if (movement.points > 0) this.enqueue({ points: movement.points, maturesAt: movement.at + this.maturity });
    else if (movement.points < 0) this.debit(-movement.points);
    return this;
  }

  /** The split at `now`: credits matured by then are available. The walk may go on afterwards. */
  splitAt(now: number): EarningsSplit {
    this.mature(now);
    let pending = 0;
    for (let i = this.head; i < this.queue.length; i++) pending += this.queue[i].points;
    return { pending, available: this.available };
  }

  private mature(now: number): void {
    while (this.head < this.queue.length && this.queue[this.head].maturesAt <= now) {
      this.available += this.queue[this.head].points;
      this.head++;
    }
    this.compact();
  }

  private enqueue(credit: PendingCredit): void {
    // Transfers come in id order, and created_at follows it except for concurrent transactions
    // (created_at is the transaction's start): insert from the back, almost always right there.
    let i = this.queue.length;
    this.queue.push(credit);
    while (i > this.head && this.queue[i - 1].maturesAt > credit.maturesAt) {
      this.queue[i] = this.queue[i - 1];
      i--;
    }
    this.queue[i] = credit;
  }

  private debit(points: number): void {
    let left = points;
    while (left > 0 && this.head < this.queue.length) {
      const oldest = this.queue[this.head];
      const taken = Math.min(left, oldest.points);
      oldest.points -= taken;
      left -= taken;
      if (oldest.points === 0) this.head++;
    }
    this.available -= left;
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}

/**
 * A walk state that answers `pending` at any later `now` when no transfer came after it, as
 * `new EarningsWalk(maturity, state).splitAt(now).pending` does, without rebuilding the queue: a
 * binary search over the pending credits (in maturity order, as `state()` writes them) and a sum
 * of each suffix, computed once. Read only: a walk that goes on from it copies `state`.
 */
export class IndexedWalkState {
  private readonly maturesAt: Float64Array;
  /** tail[i]: the points of pending[i..]; tail[length] = 0. */
  private readonly tail: Float64Array;
  private readonly ordered: boolean;

  constructor(readonly state: EarningsWalkState) {
    const { pending } = state;
    this.maturesAt = new Float64Array(pending.length);
    this.tail = new Float64Array(pending.length + 1);
    let ordered = true;
    for (let i = pending.length - 1; i >= 0; i--) {
      this.maturesAt[i] = pending[i][0];
      this.tail[i] = this.tail[i + 1] + pending[i][1];
      if (i > 0 && pending[i - 1][0] > pending[i][0]) ordered = false;
    }
    this.ordered = ordered;
  }

  /** How many pending credits the state holds (what keeping it in memory costs). */
  get size(): number {
    return this.maturesAt.length;
  }

  pendingAt(now: number): number {
    return this.tail[this.firstPendingAt(now)];
  }

  /** The first credit still pending at `now`: the walk matures the oldest ones while they are due. */
  private firstPendingAt(now: number): number {
    const n = this.maturesAt.length;
    if (!this.ordered) {
      let i = 0;
      while (i < n && this.maturesAt[i] <= now) i++;
      return i;
    }
    let low = 0;
    let high = n;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.maturesAt[middle] <= now) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
