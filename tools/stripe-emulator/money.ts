import { decimalAmount } from '../../src/common/money';

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

/** Any currency Stripe counts in hundredths: how an amount in a code that is not a currency code is shown. */
const CENTS = 'usd';

/**
 * "1.234,56 €" from integer minor units: the service's decimal text (`decimalAmount`, with Stripe's
 * decimals for the currency from its one table), its whole units grouped by thousands with '.' and
 * its decimals after ','. A code that is not a currency code is shown as cents.
 */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toLowerCase();
  const symbol = SYMBOLS.get(code) ?? code.toUpperCase();
  const [whole, decimals] = decimalAmount(amount, /^[a-z]{3}$/.test(code) ? code : CENTS).split('.');
  return `${groupThousands(whole)}${decimals === undefined ? '' : `,${decimals}`} ${symbol}`;
}

/** "€1,234.56": the same amount as an English reader writes it. */
export function formatAmountInEnglish(amount: number, currency: string): string {
  const code = currency.toLowerCase();
  const symbol = SYMBOLS.get(code) ?? `${code.toUpperCase()} `;
  const [whole, decimals] = decimalAmount(amount, /^[a-z]{3}$/.test(code) ? code : CENTS).split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${symbol}${grouped}${decimals === undefined ? '' : `.${decimals}`}`;
}

export function minimumChargeAmount(currency: string): number | undefined {
  return MINIMUM_CHARGE.get(currency.toLowerCase());
}

/** "-1234567" → "-1.234.567": no dot after the sign, which is not a digit (`\B`). */
function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}
