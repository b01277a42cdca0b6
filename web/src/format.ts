/** Formatting that depends only on its arguments (no DOM): used by the pages and unit-tested as is. */

import { minorUnitDigits } from '../../src/common/currencies';
import { decimalAmount } from '../../src/common/money';

/**
 * An amount in minor units, formatted for `locale` in `currency`, with as many decimals as Stripe
 * counts (2 for eur and huf, 0 for jpy, 3 for kwd): the server's table (src/common/currencies.ts),
 * which the admin CSV and the database use too. Not Intl's digits: Intl shows HUF, ISK, IDR, COP and
 * others without decimals while Stripe counts them in hundredths. The amount reaches Intl as the
 * exact decimal string the CSV writes: no floating-point division of money.
 */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  const digits = minorUnitDigits(currency);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return format.format(decimalAmount(amountMinor, currency) as Intl.StringNumericLiteral);
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
