/** Formatting that depends only on its arguments (no DOM): used by the pages and unit-tested as is. */

/**
 * How many decimals Stripe's integer `amount` carries per currency: a copy of the table in
 * src/common/currencies.ts (the server's formatter, the admin CSV and the database use that one),
 * which test/web-format.spec.ts holds equal to it. A copy, because the client is built and
 * type-checked from web/ alone and web/build.mjs rebuilds it only when a file under web/ changes.
 * Not Intl's digits: Intl shows HUF, ISK, IDR, COP and others without decimals while Stripe counts
 * them in hundredths, which made their prices 100 times too high.
 */
export const ZERO_DECIMAL_CURRENCIES: readonly string[] = [
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
];
export const THREE_DECIMAL_CURRENCIES: readonly string[] = ['bhd', 'jod', 'kwd', 'omr', 'tnd'];

export function minorUnitDigits(currency: string): 0 | 2 | 3 {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL_CURRENCIES.includes(code)) return 0;
  return THREE_DECIMAL_CURRENCIES.includes(code) ? 3 : 2;
}

/**
 * An amount in minor units, formatted for `locale` in `currency`, with as many decimals as Stripe
 * counts (2 for eur and huf, 0 for jpy, 3 for kwd). The amount is handed to Intl as an exact
 * decimal string: no floating-point division of money.
 */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  const digits = minorUnitDigits(currency);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return format.format(minorToDecimal(amountMinor, digits));
}

/** 999 with 2 digits → "9.99"; -5 with 2 → "-0.05"; 500 with 0 → "500". */
export function minorToDecimal(amountMinor: number, digits: number): Intl.StringNumericLiteral {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`Not an amount in minor units: ${amountMinor}`);
  const sign = amountMinor < 0 ? '-' : '';
  const text = Math.abs(amountMinor).toString().padStart(digits + 1, '0');
  const decimal = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return `${sign}${decimal}` as Intl.StringNumericLiteral;
}

export function formatPoints(points: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(points);
}

export function formatDateTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export type PackTier = 'starter' | 'popular' | 'premium';

/**
 * The original page named its three packs "Pack de démarrage", "Pack populaire" and "Pack premium".
 * The API sells whatever packs the catalogue holds, without names: the smallest is the starter pack,
 * the largest the premium one, any in between the popular one.
 */
export function packTier(index: number, count: number): PackTier {
  if (index === 0) return 'starter';
  return index === count - 1 ? 'premium' : 'popular';
}

/**
 * The language to format numbers and dates in: the browser's own tag (with its region, so fr-CA and
 * en-GB keep their conventions) when it is in the language the page is shown in, else that language.
 */
export function formattingLocale(pageLanguage: string, browserLanguages: readonly string[]): string {
  return browserLanguages.find((tag) => primaryLanguage(tag) === pageLanguage) ?? pageLanguage;
}

export function primaryLanguage(tag: string): string {
  return tag.split('-')[0].toLowerCase();
}
