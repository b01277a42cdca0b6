import { minorUnitDigits } from './currencies';

/*
 * Money is integer minor units everywhere; these two functions turn it into text, with the number
 * of decimals Stripe counts for the currency (src/common/currencies.ts). The reference client
 * hands `decimalAmount` to Intl for the reader's locale (web/src/format.ts imports this file), and
 * the database derives `money_amount` by the same rule (decimalAmountSql).
 * This file and currencies.ts import nothing else: the client's build takes them as they are.
 */

/**
 * Integer minor units as a plain decimal string, for machines (the admin CSV): 1234 eur → "12.34",
 * 1234 jpy → "1234", 1234 kwd → "1.234", 50000 huf → "500.00". Integer arithmetic only.
 */
export function decimalAmount(amountMinor: number, currency: string): string {
  return decimalParts(amountMinor, currency).join('.');
}

/** For people, in French convention (the API's labels are French): "2,99 €", "500 JPY", "1,234 KWD". */
export function formatMoney(amountMinor: number, currency: string): string {
  const text = decimalParts(amountMinor, currency).join(',');
  return `${text} ${currency.toLowerCase() === 'eur' ? '€' : currency.toUpperCase()}`;
}

/** [signed whole units, decimals] — the decimals absent for a zero-decimal currency. */
function decimalParts(amountMinor: number, currency: string): [string] | [string, string] {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amount ${amountMinor} is not an integer of minor units`);
  const digits = minorUnitDigits(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const text = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  if (digits === 0) return [`${sign}${text}`];
  return [`${sign}${text.slice(0, -digits)}`, text.slice(-digits)];
}
