/**
 * The currencies Stripe accepts for payments (its "supported currencies" list, lowercase ISO 4217
 * codes as Stripe writes them, the three-decimal ones included). A pack in any other currency could
 * never be paid.
 */
export const STRIPE_CURRENCIES: readonly string[] = (
  'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd cad cdf chf clp cny cop ' +
  'crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jpy kes ' +
  'jod kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd ' +
  'omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs ' +
  'uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw'
).split(' ');

/**
 * How many decimals Stripe's integer `amount` carries per currency (docs.stripe.com/currencies,
 * "Minor units in API amounts"): 10^digits minor units make one unit. This is the only table of
 * it; every amount that becomes text or a decimal goes through `minorUnitDigits`, in the service
 * and in the reference client (web/src/format.ts imports this file).
 *
 * Stripe's table, not ISO 4217 or Intl/CLDR: they disagree for HUF, ISK, TWD (Stripe's "special
 * cases", counted in hundredths in the API even where only whole units can be paid out or charged)
 * and for AFN, ALL, COP, IDR, LAK, LBP, MMK, PKR, SOS, STD and YER, where Intl shows no decimals
 * while Stripe's amounts are still hundredths. Reading the digits from Intl wrote those amounts
 * 100 times too high.
 */
export const ZERO_DECIMAL_CURRENCIES: readonly string[] = [
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
];

/**
 * Stripe counts these in thousandths, but charges them only in steps of 10 (the last digit of an
 * amount must be 0: 5.120 KWD is `5120`, 5.125 KWD cannot be charged).
 */
export const THREE_DECIMAL_CURRENCIES: readonly string[] = ['bhd', 'jod', 'kwd', 'omr', 'tnd'];

export type MinorUnitDigits = 0 | 2 | 3;

const ZERO = new Set(ZERO_DECIMAL_CURRENCIES);
const THREE = new Set(THREE_DECIMAL_CURRENCIES);

/** Decimals of a Stripe amount in `currency` (any case): 0, 3, or 2 for every other currency. */
export function minorUnitDigits(currency: string): MinorUnitDigits {
  if (!/^[a-z]{3}$/i.test(currency)) throw new RangeError(`"${currency}" is not a currency code`);
  const code = currency.toLowerCase();
  if (ZERO.has(code)) return 0;
  return THREE.has(code) ? 3 : 2;
}

/** The smallest step between two amounts Stripe can charge in `currency`, in minor units: 10 or 1. */
export function chargeableStep(currency: string): 1 | 10 {
  return minorUnitDigits(currency) === 3 ? 10 : 1;
}

/**
 * The same rule as a PostgreSQL expression over a minor-units column and a lowercase currency
 * column, for the generated `money_amount` column (its migration writes the value at that time).
 */
export function decimalAmountSql(amountColumn: string, currencyColumn: string): string {
  const list = (codes: readonly string[]) => codes.map((code) => `'${code}'`).join(', ');
  const code = `lower(${currencyColumn})`;
  return (
    `CASE WHEN ${code} IN (${list(ZERO_DECIMAL_CURRENCIES)}) THEN ${amountColumn}::numeric ` +
    `WHEN ${code} IN (${list(THREE_DECIMAL_CURRENCIES)}) THEN round(${amountColumn} / 1000.0, 3) ` +
    `ELSE round(${amountColumn} / 100.0, 2) END`
  );
}
