import { retryDelaySeconds } from './outbox-relay';

describe(retryDelaySeconds.name, () => {
  it('doubles from 2 s after each failed attempt', () => {
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([2, 4, 8, 16, 32]);
  });

  it('never waits more than 5 minutes, however many attempts failed', () => {
    expect(retryDelaySeconds(9)).toBe(300);
    expect(retryDelaySeconds(1000)).toBe(300);
  });
});
