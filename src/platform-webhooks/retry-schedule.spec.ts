import { nextTryAt, RETRY_DELAYS_SECONDS } from './retry-schedule';

describe(nextTryAt.name, () => {
  const triedAt = new Date('2026-12-01T12:00:00.000Z');
  const after = (failedTries: number) => {
    const next = nextTryAt(failedTries, triedAt);
    return next === null ? null : (next.getTime() - triedAt.getTime()) / 1000;
  };

  it('follows SPEC §10: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the previous try', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(after)).toEqual([5, 300, 1800, 7200, 18_000, 36_000, 36_000]);
  });

  it('gives up after the eighth try', () => {
    expect(after(8)).toBeNull();
    expect(after(9)).toBeNull();
  });

  it('counts from the try it follows, not from the first one', () => {
    const later = new Date(triedAt.getTime() + 3600_000);
    expect(nextTryAt(2, later)).toEqual(new Date(later.getTime() + 300_000));
  });

  it('spans about 27.6 hours from the first try to the last', () => {
    expect(RETRY_DELAYS_SECONDS.reduce((sum, delay) => sum + delay, 0)).toBe(99_305);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %p failed tries', (failedTries) => {
    expect(() => nextTryAt(failedTries, triedAt)).toThrow(RangeError);
  });
});
