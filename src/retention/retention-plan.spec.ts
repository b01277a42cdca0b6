import { ageSeconds, cutoffOf, moreLeft } from './retention-plan';

describe('retention plan', () => {
  const now = new Date('2026-12-07T04:00:00Z');

  it('removes what is older than the window, counted back from the start of the run', () => {
    expect(cutoffOf(7, now)).toEqual(new Date('2026-11-30T04:00:00Z'));
    expect(cutoffOf(35, now)).toEqual(new Date('2026-11-02T04:00:00Z'));
  });

  it('goes on with a table only after a full batch', () => {
    expect(moreLeft(1000, 1000)).toBe(true);
    expect(moreLeft(999, 1000)).toBe(false);
    expect(moreLeft(0, 1000)).toBe(false);
  });

  it('gives the age of the oldest row kept, 0 when nothing is kept', () => {
    expect(ageSeconds(new Date('2026-12-07T03:00:00Z'), now)).toBe(3600);
    expect(ageSeconds(null, now)).toBe(0);
    expect(ageSeconds(new Date('2026-12-07T05:00:00Z'), now)).toBe(0);
  });
});
