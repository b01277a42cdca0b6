import { csvLine, decimalAmount } from './csv';

describe('csv', () => {
  it('quotes only the fields that need it, doubling quotes, and ends lines with CRLF', () => {
    expect(csvLine(['plain', 12, null, 'a,b', 'say "hi"', 'two\nlines'])).toBe('plain,12,,"a,b","say ""hi""","two\nlines"\r\n');
  });

  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [999, '9.99'],
    [1000, '10.00'],
    [99_999_999, '999999.99'],
    [-250, '-2.50'],
  ])('writes %i minor units as %s', (cents, text) => {
    expect(decimalAmount(cents)).toBe(text);
  });

  it('refuses a fractional amount', () => {
    expect(() => decimalAmount(9.5)).toThrow(RangeError);
  });
});
