import fc from 'fast-check';
import { EarningMovement, EarningsWalk, EarningsWalkState, IndexedWalkState, MICROSECONDS_PER_DAY } from './earnings';

const DAY = MICROSECONDS_PER_DAY;
const MATURITY = 14 * DAY;
const at = (day: number): number => Date.UTC(2026, 0, 1) * 1000 + day * DAY;
const credit = (points: number, day: number): EarningMovement => ({ points, at: at(day) });
const debit = (points: number, day: number): EarningMovement => ({ points: -points, at: at(day) });
/** Pending and available of a whole history (movements in ledger order) at `now`, walked from the start. */
const walked = (movements: EarningMovement[], maturity: number, now: number) => {
  const walk = new EarningsWalk(maturity);
  for (const movement of movements) walk.apply(movement);
  return walk.splitAt(now);
};

describe(EarningsWalk.name, () => {
  const sut = (movements: EarningMovement[], nowDay: number, maturity = MATURITY) => walked(movements, maturity, at(nowDay));

  it('keeps fresh credits pending', () => {
    expect(sut([credit(500, 0), credit(100, 3)], 5)).toEqual({ pending: 600, available: 0 });
  });

  it('makes a credit available once its maturity has passed, exactly at the boundary', () => {
    expect(sut([credit(500, 0), credit(100, 3)], 14)).toEqual({ pending: 100, available: 500 });
    expect(sut([credit(500, 0)], 13.999)).toEqual({ pending: 500, available: 0 });
    expect(sut([credit(500, 0), credit(100, 3)], 30)).toEqual({ pending: 0, available: 600 });
  });

  it('takes a debit smaller than pending from the oldest pending credit first', () => {
    const movements = [credit(500, 0), credit(100, 3), debit(151, 4)];
    expect(sut(movements, 5)).toEqual({ pending: 449, available: 0 });
    // The older credit (500 → 349) matures on day 14, the newer (100, untouched) on day 17.
    expect(sut(movements, 15)).toEqual({ pending: 100, available: 349 });
    expect(sut(movements, 17)).toEqual({ pending: 0, available: 449 });
  });

  it('takes a debit larger than pending from available after emptying pending', () => {
    const movements = [credit(1000, 0), credit(300, 20), debit(500, 21)];
    expect(sut(movements, 22)).toEqual({ pending: 0, available: 800 });
  });

  it('takes a debit after maturity from available', () => {
    expect(sut([credit(500, 0), debit(200, 14)], 15)).toEqual({ pending: 0, available: 300 });
    expect(sut([credit(500, 0), debit(200, 20), credit(50, 21)], 22)).toEqual({ pending: 50, available: 300 });
  });

  it('shows a negative available when reversals exceed what is available, and keeps pending apart', () => {
    // A reversal larger than the balance (e.g. a dispute after the points were paid out).
    const movements = [credit(100, 0), debit(300, 20), credit(50, 21)];
    expect(sut(movements, 22)).toEqual({ pending: 50, available: -200 });
    // Later earnings mature into the negative available.
    expect(sut(movements, 40)).toEqual({ pending: 0, available: -150 });
  });

  it('treats a restore like any credit: pending again for the maturity period', () => {
    const movements = [credit(500, 0), debit(500, 2), credit(500, 10)];
    expect(sut(movements, 11)).toEqual({ pending: 500, available: 0 });
    expect(sut(movements, 24)).toEqual({ pending: 0, available: 500 });
  });

  it('with maturity 0 makes everything available at once, even a debit written with its credit', () => {
    expect(sut([credit(500, 0), debit(151, 0), credit(100, 1)], 1, 0)).toEqual({ pending: 0, available: 449 });
  });

  it('matures credits by their own created_at when transfers commit out of created_at order', () => {
    // The second credit's transaction started earlier (smaller created_at) but committed later.
    const movements = [credit(100, 1), credit(200, 0.5), debit(50, 2)];
    // Oldest first is the one created on day 0.5: 200 → 150.
    expect(sut(movements, 14.6)).toEqual({ pending: 100, available: 150 });
  });

  it('balances: pending + available equals credits minus debits', () => {
    const movements: EarningMovement[] = [];
    let total = 0;
    for (let i = 0; i < 5000; i++) {
      const points = ((i * 7919) % 97) + 1;
      const signed = i % 3 === 2 ? -points : points;
      total += signed;
      movements.push({ points: signed, at: at(i / 50) });
    }
    for (const nowDay of [10, 50, 100, 200]) {
      const { pending, available } = sut(movements, nowDay);
      expect(pending + available).toBe(total);
      expect(pending).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses a negative maturity', () => {
    expect(() => new EarningsWalk(-1)).toThrow(RangeError);
  });
});

describe('EarningsWalk state', () => {
  const movement = fc.record({
    points: fc.integer({ min: -400, max: 500 }).filter((points) => points !== 0),
    // Mostly in order, sometimes a little behind (concurrent transactions), sometimes the same moment.
    step: fc.integer({ min: -2, max: 6 }),
  });

  it('going on from a saved state gives exactly what walking everything gives', () => {
    fc.assert(
      fc.property(fc.array(movement, { maxLength: 80 }), fc.nat(), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 20 }), (steps, cut, nowDays, maturityDays) => {
        let day = 0;
        const movements = steps.map(({ points, step }) => {
          day += step;
          return { points, at: at(day) };
        });
        const maturity = maturityDays * DAY;
        const now = at(day + nowDays);
        const split = Math.min(cut, movements.length);

        const saved = new EarningsWalk(maturity);
        for (const m of movements.slice(0, split)) saved.apply(m);
        const state = JSON.parse(JSON.stringify(saved.state())) as EarningsWalkState;
        const resumed = new EarningsWalk(maturity, state);
        for (const m of movements.slice(split)) resumed.apply(m);

        expect(resumed.splitAt(now)).toEqual(walked(movements, maturity, now));
      }),
    );
  });

  it('stores neighbouring credits that mature together as one entry', () => {
    const walk = new EarningsWalk(MATURITY);
    walk.apply(credit(100, 0)).apply(credit(50, 0)).apply(credit(20, 1));
    expect(walk.state()).toEqual({ available: 0, pending: [[at(14), 150], [at(15), 20]] });
  });
});

describe(IndexedWalkState.name, () => {
  it('answers pending at any later moment as a walk resumed from the state with no transfer after it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ points: fc.integer({ min: -400, max: 500 }).filter((points) => points !== 0), step: fc.integer({ min: -2, max: 6 }) }), {
          maxLength: 80,
        }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: -5, max: 60 }), { minLength: 1, maxLength: 8 }),
        (steps, maturityDays, nowDays) => {
          let day = 0;
          const walk = new EarningsWalk(maturityDays * DAY);
          for (const { points, step } of steps) walk.apply({ points, at: at((day += step)) });
          const state = JSON.parse(JSON.stringify(walk.state())) as EarningsWalkState;
          const sut = new IndexedWalkState(state);
          for (const nowDay of nowDays) {
            expect(sut.pendingAt(at(day + nowDay))).toBe(new EarningsWalk(maturityDays * DAY, state).splitAt(at(day + nowDay)).pending);
          }
        },
      ),
    );
  });

  it('matures exactly at the boundary, and reads a state whose credits are out of order as the walk does', () => {
    const ordered = new IndexedWalkState({ available: 7, pending: [[at(14), 150], [at(15), 20]] });
    expect([at(13), at(14), at(14.5), at(15), at(16)].map((now) => ordered.pendingAt(now))).toEqual([170, 20, 20, 0, 0]);

    const state: EarningsWalkState = { available: 0, pending: [[at(15), 20], [at(14), 150], [at(16), 5]] };
    const sut = new IndexedWalkState(state);
    for (const day of [13, 14, 15, 15.5, 16]) expect(sut.pendingAt(at(day))).toBe(new EarningsWalk(MATURITY, state).splitAt(at(day)).pending);
    expect(sut.size).toBe(3);
  });
});
