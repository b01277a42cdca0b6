/**
 * When a failed try of an event to the platform is followed by the next one (SPEC §10): 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 10 h after the previous try, then the event has failed. Eight tries in
 * all, over about 27.6 hours.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/** A try that has no 2xx answer within this time has failed (the request is aborted). */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * When to try again after the `failedTries`-th failed try of the schedule (1 for the first try),
 * made at `triedAt`; null when the schedule is over and the event has failed.
 */
export function nextTryAt(failedTries: number, triedAt: Date): Date | null {
  if (!Number.isInteger(failedTries) || failedTries < 1) throw new RangeError(`failedTries must be a positive integer, got ${failedTries}`);
  const delay = RETRY_DELAYS_SECONDS[failedTries - 1];
  return delay === undefined ? null : new Date(triedAt.getTime() + delay * 1000);
}
