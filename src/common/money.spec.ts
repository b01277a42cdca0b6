import { Client } from 'pg';
import { decimalAmount, formatMoney, localAmount, shareOf, shareOfSql } from './money';

describe(formatMoney.name, () => {
  it.each([
    [299, 'eur', '2,99 €'],
    [999, 'eur', '9,99 €'],
    [1699, 'eur', '16,99 €'],
    [5, 'eur', '0,05 €'],
    [-150, 'eur', '-1,50 €'],
    [1000, 'usd', '10,00 USD'],
    [1000, 'USD', '10,00 USD'],
  ])('formats %i %s as %s', (cents, currency, expected) => {
    expect(formatMoney(cents, currency)).toBe(expected);
  });

  it.each([
    [299, 'eur', '€2.99'],
    [-150, 'eur', '-€1.50'],
    [1000, 'usd', '10.00 USD'],
    [500, 'jpy', '500 JPY'],
  ])('formats %i %s in English as %s', (minor, currency, expected) => {
    expect(formatMoney(minor, currency, 'en')).toBe(expected);
  });

  it.each([
    [500, 'jpy', '500 JPY'],
    [99_999_999, 'jpy', '99999999 JPY'],
    [-5, 'krw', '-5 KRW'],
    [1500, 'ugx', '1500 UGX'],
  ])('writes a zero-decimal currency in whole units: %i %s as %s', (minor, currency, expected) => {
    expect(formatMoney(minor, currency)).toBe(expected);
  });

  it.each([
    [50_000, 'huf', '500,00 HUF'],
    [50_000, 'isk', '500,00 ISK'],
    [50_000, 'twd', '500,00 TWD'],
    [1_000_000, 'idr', '10000,00 IDR'],
  ])('counts what Stripe counts in hundredths in hundredths, whatever ISO says: %i %s as %s', (minor, currency, expected) => {
    expect(formatMoney(minor, currency)).toBe(expected);
  });

  it.each([
    [1234, 'kwd', '1,234 KWD'],
    [5, 'bhd', '0,005 BHD'],
    [-10, 'omr', '-0,010 OMR'],
  ])('writes a three-decimal currency in thousandths: %i %s as %s', (minor, currency, expected) => {
    expect(formatMoney(minor, currency)).toBe(expected);
  });

  it('refuses anything but whole minor units', () => {
    expect(() => formatMoney(9.99, 'eur')).toThrow(RangeError);
  });
});

describe(decimalAmount.name, () => {
  it.each([
    [0, 'eur', '0.00'],
    [5, 'eur', '0.05'],
    [999, 'eur', '9.99'],
    [1000, 'usd', '10.00'],
    [99_999_999, 'eur', '999999.99'],
    [-250, 'eur', '-2.50'],
    [1234, 'jpy', '1234'],
    [-5, 'jpy', '-5'],
    [500, 'JPY', '500'],
    [1234, 'kwd', '1.234'],
    [7, 'kwd', '0.007'],
    [1230, 'bhd', '1.230'],
    [50_000, 'huf', '500.00'],
    [50_050, 'huf', '500.50'],
    [50_000, 'isk', '500.00'],
    [1_000_000, 'idr', '10000.00'],
    [12_345, 'cop', '123.45'],
  ])('writes %i minor units of %s as %s', (minor, currency, text) => {
    expect(decimalAmount(minor, currency)).toBe(text);
  });

  it('refuses a fractional amount and something that is not a currency code', () => {
    expect(() => decimalAmount(9.5, 'eur')).toThrow(RangeError);
    expect(() => decimalAmount(1, 'not-a-currency')).toThrow(RangeError);
    expect(() => decimalAmount(Number.MAX_SAFE_INTEGER + 1, 'eur')).toThrow(RangeError);
  });
});

describe(shareOf.name, () => {
  it.each([
    [299, 3000, 90],
    [999, 3000, 300],
    [849, 3000, 255],
    [1699, 3000, 510],
    [0, 3000, 0],
    [5, 5000, 3], // 2.5 → 3: half up
    [15, 1000, 2], // 1.5 → 2
    [14, 1000, 1], // 1.4 → 1
    [999_999_999_999, 10_000, 999_999_999_999],
    [999_999_999_999, 3333, 333_300_000_000], // 333 299 999 999.667 → …300 000 000: no float drift past 2^53
    [1, 0, 0],
  ])('takes %i × %i bps = %i, half up', (amount, bps, expected) => {
    expect(shareOf(amount, bps)).toBe(expected);
  });

  it('refuses negative amounts, fractions and shares beyond 100 %', () => {
    expect(() => shareOf(-1, 3000)).toThrow(RangeError);
    expect(() => shareOf(1.5, 3000)).toThrow(RangeError);
    expect(() => shareOf(100, 10_001)).toThrow(RangeError);
    expect(() => shareOf(100, 12.5)).toThrow(RangeError);
  });

  it('makes the changes of a purchase add up to its final share: the cumulative rounding of the ledger', () => {
    // 16.99 € paid, then 8.50 € refunded in three steps: each step moves the change of the rounded share.
    const netAfter = [1699, 1500, 1000, 849];
    const moves = netAfter.map((net, i) => shareOf(net, 3000) - (i === 0 ? 0 : shareOf(netAfter[i - 1], 3000)));
    expect(moves).toEqual([510, -60, -150, -45]);
    expect(moves.reduce((sum, move) => sum + move, 0)).toBe(shareOf(849, 3000));
  });
});

describe(localAmount.name, () => {
  it('writes minor units with the decimal separator of the reader', () => {
    expect(localAmount(645, 'eur', '.')).toBe('6.45');
    expect(localAmount(645, 'eur', ',')).toBe('6,45');
    expect(localAmount(-300, 'eur', ',')).toBe('-3,00');
    expect(localAmount(500, 'jpy', ',')).toBe('500');
  });
});

describe(shareOfSql.name, () => {
  it('computes in PostgreSQL what shareOf computes', async () => {
    const db = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
    try {
      const cases: Array<[number, number]> = [
        [299, 3000],
        [999, 3000],
        [849, 3000],
        [5, 5000],
        [15, 1000],
        [14, 1000],
        [0, 3000],
        [999_999_999_999, 3333],
        [123_456_789, 10_000],
      ];
      const { rows } = await db.query<{ share: string }>(
        `SELECT ${shareOfSql('x.amount', 'x.bps')} AS share FROM unnest($1::bigint[], $2::int[]) WITH ORDINALITY AS x(amount, bps, n) ORDER BY n`,
        [cases.map(([amount]) => amount), cases.map(([, bps]) => bps)],
      );
      expect(rows.map((row) => Number(row.share))).toEqual(cases.map(([amount, bps]) => shareOf(amount, bps)));
    } finally {
      await db.end();
    }
  });
});
