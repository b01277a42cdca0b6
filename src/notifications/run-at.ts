/** The longest delay setTimeout honours (about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Scheduled {
  cancel(): void;
}

/**
 * Runs `run` once at the time `atMs` (epoch milliseconds), however far away it is: a wait beyond
 * setTimeout's limit is chained, each link checking the clock again. Does not keep the process alive.
 */
export function runAt(atMs: number, run: () => void): Scheduled {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = Math.max(atMs - Date.now(), 0);
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(run, left);
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
