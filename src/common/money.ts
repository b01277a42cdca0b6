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

/**
 * For people: in French convention by default (the API's labels are French), "2,99 €", "500 JPY",
 * "1,234 KWD"; in English "€2.99", "500 JPY", "1.234 KWD".
 */
export function formatMoney(amountMinor: number, currency: string, language: 'fr' | 'en' = 'fr'): string {
  const euro = currency.toLowerCase() === 'eur';
  if (language === 'en') {
    const text = decimalParts(amountMinor, currency).join('.');
    return euro ? `${text.startsWith('-') ? '-' : ''}€${text.replace('-', '')}` : `${text} ${currency.toUpperCase()}`;
  }
  const text = decimalParts(amountMinor, currency).join(',');
  return `${text} ${euro ? '€' : currency.toUpperCase()}`;
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

/** Basis points in one whole: 10000 bps = 100 %. */
export const BPS_PER_WHOLE = 10_000;

/**
 * A share of an amount, `bps` basis points of it (3000 = 30 %), rounded half up to the minor unit:
 * 30 % of 999 is 299.7 → 300, of 849 is 254.7 → 255, of 299 is 89.7 → 90. Integer arithmetic only
 * (BigInt: a twelve-digit amount times 10000 passes 2^53). For amounts ≥ 0, the only ones it takes.
 */
export function shareOf(amountMinor: number, bps: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) throw new RangeError(`amount ${amountMinor} is not a non-negative integer of minor units`);
  if (!Number.isInteger(bps) || bps < 0 || bps > BPS_PER_WHOLE) throw new RangeError(`share ${bps} is not a whole number of basis points from 0 to ${BPS_PER_WHOLE}`);
  const whole = BigInt(BPS_PER_WHOLE);
  return Number((BigInt(amountMinor) * BigInt(bps) * 2n + whole) / (2n * whole));
}

/** `shareOf` in SQL, over SQL expressions of a non-negative bigint amount and an integer share in bps. */
export function shareOfSql(amountSql: string, bpsSql: string): string {
  return `floor(((${amountSql})::numeric * (${bpsSql}) * 2 + ${BPS_PER_WHOLE}) / ${2 * BPS_PER_WHOLE})::bigint`;
}

/**
 * The same integer minor units in the given decimal convention, for people: "6.45" / "6,45", with
 * the currency's decimals. `decimalSeparator` is "." for English, "," for French.
 */
export function localAmount(amountMinor: number, currency: string, decimalSeparator: '.' | ','): string {
  return decimalParts(amountMinor, currency).join(decimalSeparator);
}
