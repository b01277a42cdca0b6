import { MAX_TIMER_MS, runAt } from './run-at';

const DAY_MS = 86_400_000;

describe(runAt.name, () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it.each([
    ['a few seconds', 5_000],
    ['just under the timer limit', MAX_TIMER_MS - 1],
    ['just over the timer limit', MAX_TIMER_MS + 1],
    ['30 days', 30 * DAY_MS],
    ['a year', 365 * DAY_MS],
  ])('runs once, exactly at the time, %s away', (_label, delay) => {
    const run = jest.fn();
    runAt(Date.now() + delay, run);
    jest.advanceTimersByTime(delay - 1);
    expect(run).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(10 * 365 * DAY_MS);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('runs at once for a time already past', () => {
    const run = jest.fn();
    runAt(Date.now() - 1000, run);
    jest.advanceTimersByTime(0);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('never runs once cancelled, also while a long wait is chained', () => {
    const run = jest.fn();
    const scheduled = runAt(Date.now() + 60 * DAY_MS, run);
    jest.advanceTimersByTime(40 * DAY_MS);
    scheduled.cancel();
    jest.advanceTimersByTime(40 * DAY_MS);
    expect(run).not.toHaveBeenCalled();
  });
});
