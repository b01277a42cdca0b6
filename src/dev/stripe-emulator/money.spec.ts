import { formatAmount } from './money';

describe(formatAmount.name, () => {
  it('shows the decimals Stripe counts for the currency, from the service’s table', () => {
    expect(formatAmount(123456, 'eur')).toBe('1.234,56 €');
    expect(formatAmount(500, 'jpy')).toBe('500 JPY');
    expect(formatAmount(1234, 'kwd')).toBe('1,234 KWD');
    expect(formatAmount(50000, 'huf')).toBe('500,00 HUF');
    expect(formatAmount(-5, 'usd')).toBe('-0,05 $');
  });
});
