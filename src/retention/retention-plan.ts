/** One table that retention trims: its owner removes and reads it, retention only says when. */
export interface RetentionTarget {
  /** The owner's table, as the metrics label it. */
  readonly table: string;
  /** Removes up to `limit` of the oldest removable rows older than `cutoff`, in one short statement; how many, by table. */
  removeBefore(cutoff: Date, limit: number): Promise<Record<string, number>>;
  /** The age mark of the oldest removable row still kept; null when none is. */
  oldestKept(): Promise<Date | null>;
}

/** A target and how many days its rows are kept. */
export interface RetentionRule {
  target: RetentionTarget;
  days: number;
}

/** How a run removes: rows per statement, and the pause between two statements. */
export interface BatchPolicy {
  batchSize: number;
  pauseMs: number;
}

/**
 * 1000 rows per statement keeps each one a few milliseconds long (rows it holds are locked only
 * that long) and the pause leaves the disk and the WAL to the paths that credit and alert; bench:retention
 * measured the rate this gives (docs/retention.md).
 */
export const DEFAULT_BATCH_POLICY: BatchPolicy = { batchSize: 1000, pauseMs: 20 };

const DAY_MS = 86_400_000;

/** The moment before which a rule's rows are removed, for a run started at `now`. */
export function cutoffOf(days: number, now: Date): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** Whether a run goes on with the same table: the last statement found a full batch, so more may be left. */
export function moreLeft(removedFromTable: number, batchSize: number): boolean {
  return removedFromTable >= batchSize;
}

/** A row kept this long is past its window: seconds it has been kept, counted at `now`; 0 when none is kept. */
export function ageSeconds(oldest: Date | null, now: Date): number {
  return oldest === null ? 0 : Math.max(0, (now.getTime() - oldest.getTime()) / 1000);
}
