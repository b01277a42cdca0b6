import { ExpiryBuckets } from './expiry-buckets';

describe(ExpiryBuckets.name, () => {
  it('gives each item once, in the sweep of the second it ends in, however far away that is', () => {
    const sut = new ExpiryBuckets<string>();
    sut.add('soon', 10_400);
    sut.add('same second', 10_900);
    sut.add('next second', 11_200);
    sut.add('in a year', 10_000 + 365 * 86_400_000);

    expect(sut.due(10_999)).toEqual([]);
    expect(sut.due(11_000).sort()).toEqual(['same second', 'soon']);
    expect(sut.due(11_500)).toEqual([]);
    expect(sut.due(12_000)).toEqual(['next second']);
    expect(sut.size).toBe(1);
    expect(sut.due(10_000 + 365 * 86_400_000)).toEqual(['in a year']);
  });

  it('gives an item that is already due at the next sweep, and never one removed', () => {
    const sut = new ExpiryBuckets<string>();
    sut.add('expired', 5_000);
    sut.add('closed meanwhile', 5_000);
    sut.remove('closed meanwhile', 5_000);
    expect(sut.due(9_000)).toEqual(['expired']);
    expect(sut.size).toBe(0);
  });
});
