import { minorUnitDigits } from '../../common/currencies';

const SYMBOLS = new Map([
  ['eur', '€'],
  ['usd', '$'],
  ['gbp', '£'],
]);

/** Stripe's minimum charge per currency; only the common ones, others are not checked. */
const MINIMUM_CHARGE = new Map([
  ['eur', 50],
  ['usd', 50],
  ['chf', 50],
  ['cad', 50],
  ['aud', 50],
  ['gbp', 30],
]);

/** "1.234,56 €" from integer minor units, by string slicing so no float ever touches money. */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toLowerCase();
  const symbol = SYMBOLS.get(code) ?? code.toUpperCase();
  const sign = amount < 0 ? '-' : '';
  // Stripe's decimals for the currency (the service's one table); an unknown code is shown as cents.
  const decimals = /^[a-z]{3}$/.test(code) ? minorUnitDigits(code) : 2;
  const digits = String(Math.abs(amount)).padStart(decimals + 1, '0');
  if (decimals === 0) return `${sign}${groupThousands(digits)} ${symbol}`;
  return `${sign}${groupThousands(digits.slice(0, -decimals))},${digits.slice(-decimals)} ${symbol}`;
}

export function minimumChargeAmount(currency: string): number | undefined {
  return MINIMUM_CHARGE.get(currency.toLowerCase());
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}
