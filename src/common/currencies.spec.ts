import { chargeableStep, minorUnitDigits, STRIPE_CURRENCIES, THREE_DECIMAL_CURRENCIES, ZERO_DECIMAL_CURRENCIES } from './currencies';

describe(minorUnitDigits.name, () => {
  it.each(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'])(
    'counts %s in whole units (Stripe zero-decimal)',
    (currency) => expect(minorUnitDigits(currency)).toBe(0),
  );

  it.each(['bhd', 'jod', 'kwd', 'omr', 'tnd'])('counts %s in thousandths', (currency) => expect(minorUnitDigits(currency)).toBe(3));

  // Stripe's special cases and the currencies CLDR (so Intl) shows without decimals: Stripe's
  // amounts are still hundredths.
  it.each(['eur', 'usd', 'huf', 'isk', 'twd', 'idr', 'cop', 'pkr', 'lbp'])('counts %s in hundredths', (currency) =>
    expect(minorUnitDigits(currency)).toBe(2),
  );

  it('reads a code in any case and refuses what is not a three-letter code', () => {
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('Kwd')).toBe(3);
    for (const bad of ['', 'eu', 'euro', 'e1r', 'not-a-currency']) expect(() => minorUnitDigits(bad)).toThrow(RangeError);
  });

  it('keeps the lists lowercase, disjoint and within what Stripe accepts', () => {
    const all = [...ZERO_DECIMAL_CURRENCIES, ...THREE_DECIMAL_CURRENCIES];
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((code) => /^[a-z]{3}$/.test(code))).toBe(true);
    expect(all.filter((code) => !STRIPE_CURRENCIES.includes(code))).toEqual([]);
    expect(new Set(STRIPE_CURRENCIES).size).toBe(STRIPE_CURRENCIES.length);
  });

  it('gives the step Stripe charges in: 10 thousandths for three-decimal currencies, one minor unit otherwise', () => {
    expect(THREE_DECIMAL_CURRENCIES.map(chargeableStep)).toEqual([10, 10, 10, 10, 10]);
    expect(['eur', 'jpy', 'huf', 'usd'].map(chargeableStep)).toEqual([1, 1, 1, 1]);
  });
});
