/**
 * The arithmetic of lots, free of I/O. A lot is one credited purchase; its points are remaining,
 * spent, or taken back. Per interaction the lots hold exactly the unspent part of a non-negative
 * balance (Σ remaining = max(balance, 0)); a negative balance is a debt that the next credits pay
 * off first.
 */

export interface Take {
  lotId: string;
  points: number;
}

export interface Source {
  lotId: string;
  /** How many points can be taken from (or given back to) this lot. */
  capacity: number;
}

export interface Plan {
  takes: Take[];
  /** What the sources could not cover. */
  short: number;
}

/**
 * Takes `points` from the sources in the order given, each up to its capacity. A lot listed twice
 * (e.g. first for what one reversal took, then among all lots) is never used beyond its largest
 * capacity. Takes from one lot are merged.
 */
export function takeInOrder(sources: readonly Source[], points: number): Plan {
  assertPoints(points);
  const used = new Map<string, number>();
  const capacity = new Map<string, number>();
  for (const source of sources) capacity.set(source.lotId, Math.max(capacity.get(source.lotId) ?? 0, source.capacity));
  let left = points;
  for (const source of sources) {
    if (left === 0) break;
    const already = used.get(source.lotId) ?? 0;
    const available = Math.min(source.capacity, capacity.get(source.lotId)!) - already;
    if (available <= 0) continue;
    const taken = Math.min(available, left);
    used.set(source.lotId, already + taken);
    left -= taken;
  }
  return { takes: [...used].map(([lotId, taken]) => ({ lotId, points: taken })), short: left };
}

/**
 * What the first `count` points of a lot are worth: the price shared in proportion, rounded down.
 * A spend's value is the difference of two such figures, so the values of a lot's spends always add
 * up to at most its price, and to exactly its price once all of it is spent: no rounding drift.
 */
export function valueOfFirst(amountCents: number, lotPoints: number, count: number): number {
  if (count < 0 || count > lotPoints) throw new RangeError(`a lot of ${lotPoints} points has no first ${count} points`);
  return Number((BigInt(amountCents) * BigInt(count)) / BigInt(lotPoints));
}

/** The value of `points` spent from a lot after `spentBefore` of its points were spent. */
export function spendValue(lot: { amountCents: number; points: number }, spentBefore: number, points: number): number {
  return valueOfFirst(lot.amountCents, lot.points, spentBefore + points) - valueOfFirst(lot.amountCents, lot.points, spentBefore);
}

/** A debt of the interaction (a negative balance) as a positive number of points, or 0. */
export function debtOf(balance: number): number {
  return balance < 0 ? -balance : 0;
}

/**
 * Giving `points` back (a won dispute) first pays off the debt, then refills lots: those the
 * matching reversal took from (up to what it took), then any lot that lost points, newest first.
 */
export function planRestore(points: number, balanceBefore: number, takenByReversal: readonly Source[], takenLots: readonly Source[]): Plan & { paysDebt: number } {
  const paysDebt = Math.min(debtOf(balanceBefore), points);
  const rest = points - paysDebt;
  if (rest === 0) return { takes: [], short: 0, paysDebt };
  const lotCapacity = new Map(takenLots.map((lot) => [lot.lotId, lot.capacity]));
  const first = takenByReversal.map((source) => ({ lotId: source.lotId, capacity: Math.min(source.capacity, lotCapacity.get(source.lotId) ?? 0) }));
  return { ...takeInOrder([...first, ...takenLots], rest), paysDebt };
}

function assertPoints(points: number): void {
  if (!Number.isSafeInteger(points) || points <= 0) throw new RangeError(`points must be a positive whole number, not ${points}`);
}
