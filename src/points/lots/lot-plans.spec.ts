import fc from 'fast-check';
import { planRestore, spendValue, takeInOrder, valueOfFirst } from './lot-plans';

describe('takeInOrder', () => {
  it('takes from the first sources first, each up to its capacity, and says what is short', () => {
    const plan = takeInOrder(
      [
        { lotId: 'a', capacity: 30 },
        { lotId: 'b', capacity: 50 },
        { lotId: 'c', capacity: 10 },
      ],
      70,
    );
    expect(plan).toEqual({ takes: [{ lotId: 'a', points: 30 }, { lotId: 'b', points: 40 }], short: 0 });
    expect(takeInOrder([{ lotId: 'a', capacity: 30 }], 45)).toEqual({ takes: [{ lotId: 'a', points: 30 }], short: 15 });
  });

  it('never uses a lot listed twice beyond its largest capacity, and merges its takes', () => {
    const plan = takeInOrder(
      [
        { lotId: 'a', capacity: 10 },
        { lotId: 'b', capacity: 5 },
        { lotId: 'a', capacity: 25 },
      ],
      100,
    );
    expect(plan).toEqual({ takes: [{ lotId: 'a', points: 25 }, { lotId: 'b', points: 5 }], short: 70 });
  });

  it('refuses a non-positive or fractional amount', () => {
    expect(() => takeInOrder([], 0)).toThrow(RangeError);
    expect(() => takeInOrder([], 1.5)).toThrow(RangeError);
  });
});

describe('spend values', () => {
  it('shares a price in proportion, rounding down, and adds up to the exact price once all is spent', () => {
    const lot = { amountCents: 999, points: 500 };
    // 999 × 100 / 500 = 199.8 → 199; then 399.6 → 399 (200 more), and so on.
    expect(spendValue(lot, 0, 100)).toBe(199);
    expect(spendValue(lot, 100, 100)).toBe(200);
    expect(valueOfFirst(999, 500, 500)).toBe(999);
  });

  it('has no rounding drift for any split of a lot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 100_000 }), fc.array(fc.integer({ min: 1, max: 5000 })), (amountCents, points, parts) => {
        let spent = 0;
        let value = 0;
        for (const part of parts) {
          const take = Math.min(part, points - spent);
          if (take === 0) break;
          const worth = spendValue({ amountCents, points }, spent, take);
          expect(worth).toBeGreaterThanOrEqual(0);
          value += worth;
          spent += take;
        }
        expect(value).toBe(valueOfFirst(amountCents, points, spent));
        expect(value).toBeLessThanOrEqual(amountCents);
        if (spent === points) expect(value).toBe(amountCents);
      }),
    );
  });

  it('refuses a count outside the lot', () => {
    expect(() => valueOfFirst(100, 10, 11)).toThrow(RangeError);
  });
});

describe('planRestore', () => {
  it('pays off the debt first, then refills what the reversal took, then other lots newest first', () => {
    const plan = planRestore(
      100,
      -30,
      [{ lotId: 'own', capacity: 40 }],
      [
        { lotId: 'newer', capacity: 50 },
        { lotId: 'own', capacity: 60 },
      ],
    );
    expect(plan.paysDebt).toBe(30);
    expect(plan.takes).toEqual([
      { lotId: 'own', points: 40 },
      { lotId: 'newer', points: 30 },
    ]);
    expect(plan.short).toBe(0);
  });

  it('refills a lot only up to what it lost now, even if the reversal took more from it', () => {
    const plan = planRestore(50, 0, [{ lotId: 'own', capacity: 50 }], [{ lotId: 'own', capacity: 20 }]);
    expect(plan.takes).toEqual([{ lotId: 'own', points: 20 }]);
    expect(plan.short).toBe(30);
  });

  it('only pays off debt when the debt is larger than the restore', () => {
    expect(planRestore(100, -250, [{ lotId: 'own', capacity: 100 }], [{ lotId: 'own', capacity: 100 }])).toEqual({ takes: [], short: 0, paysDebt: 100 });
  });
});
