import { refundedPointsFor } from './decide';

describe(refundedPointsFor.name, () => {
  it.each([
    [500, 999, 0, 0],
    [500, 999, 300, 151],
    [500, 999, 600, 301],
    [500, 999, 999, 500],
    [500, 999, 5000, 500],
    [100, 299, 1, 1],
    [1000, 1699, 849, 500],
    [1000, 1000, 500, 500],
  ])('reverses for %i points paid %i cents, refunded %i: %i', (points, paid, refunded, expected) => {
    expect(refundedPointsFor(points, paid, refunded)).toBe(expected);
  });

  it('never reverses fewer points than the refunded share, and never more than one extra', () => {
    for (let refunded = 0; refunded <= 1699; refunded++) {
      const reversed = refundedPointsFor(1000, 1699, refunded);
      expect(reversed * 1699).toBeGreaterThanOrEqual(1000 * refunded);
      expect((reversed - 1) * 1699).toBeLessThan(1000 * refunded);
    }
  });
});
