/** Formatting that depends only on its arguments (no DOM): used by the pages and unit-tested as is. */

/**
 * An amount in minor units, formatted for `locale` in `currency`. The number of decimals is the
 * currency's own (2 for eur, 0 for jpy, 3 for kwd) as Intl knows it, and the amount is handed to Intl
 * as an exact decimal string: no floating-point division of money.
 */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
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
