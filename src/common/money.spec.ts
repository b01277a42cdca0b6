import { formatMoney } from './money';

describe(formatMoney.name, () => {
  it.each([
    [299, 'eur', '2,99 €'],
    [999, 'eur', '9,99 €'],
    [1699, 'eur', '16,99 €'],
    [5, 'eur', '0,05 €'],
    [-150, 'eur', '-1,50 €'],
    [1000, 'usd', '10,00 USD'],
  ])('formats %i %s as %s', (cents, currency, expected) => {
    expect(formatMoney(cents, currency)).toBe(expected);
  });

  it('refuses anything but whole minor units', () => {
    expect(() => formatMoney(9.99, 'eur')).toThrow(RangeError);
  });
});
