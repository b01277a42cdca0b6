import { csvLine, decimalAmount } from './csv';

describe('csv', () => {
  it('quotes only the fields that need it, doubling quotes, and ends lines with CRLF', () => {
    expect(csvLine(['plain', 12, null, 'a,b', 'say "hi"', 'two\nlines'])).toBe('plain,12,,"a,b","say ""hi""","two\nlines"\r\n');
  });

  it.each([
    [0, 'eur', '0.00'],
    [5, 'eur', '0.05'],
    [999, 'eur', '9.99'],
    [1000, 'usd', '10.00'],
    [99_999_999, 'eur', '999999.99'],
    [-250, 'eur', '-2.50'],
    [1234, 'jpy', '1234'],
    [-5, 'jpy', '-5'],
    [1234, 'kwd', '1.234'],
    [7, 'kwd', '0.007'],
  ])('writes %i minor units of %s as %s', (minor, currency, text) => {
    expect(decimalAmount(minor, currency)).toBe(text);
  });

  it('refuses a fractional amount and an unknown currency', () => {
    expect(() => decimalAmount(9.5, 'eur')).toThrow(RangeError);
    expect(() => decimalAmount(1, 'not-a-currency')).toThrow(RangeError);
  });
});
