import { formatAmount } from './money';

describe(formatAmount.name, () => {
  it('shows the decimals Stripe counts for the currency, from the service’s table', () => {
    expect(formatAmount(123456, 'eur')).toBe('1.234,56 €');
    expect(formatAmount(500, 'jpy')).toBe('500 JPY');
    expect(formatAmount(1234, 'kwd')).toBe('1,234 KWD');
    expect(formatAmount(50000, 'huf')).toBe('500,00 HUF');
    expect(formatAmount(-5, 'usd')).toBe('-0,05 $');
  });

  it('groups whole units by thousands with dots, after the sign, and keeps the decimals after a comma', () => {
    expect(formatAmount(99_999_999, 'eur')).toBe('999.999,99 €');
    expect(formatAmount(-123_456_789, 'gbp')).toBe('-1.234.567,89 £');
    expect(formatAmount(123_456_789, 'jpy')).toBe('123.456.789 JPY');
    expect(formatAmount(1_234_560, 'kwd')).toBe('1.234,560 KWD');
    expect(formatAmount(0, 'usd')).toBe('0,00 $');
  });

  it('takes the currency in any case, and shows a code that is not a currency code as cents', () => {
    expect(formatAmount(999, 'EUR')).toBe('9,99 €');
    expect(formatAmount(123456, 'xx')).toBe('1.234,56 XX');
  });
});
