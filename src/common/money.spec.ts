import { decimalAmount, formatMoney } from './money';

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
