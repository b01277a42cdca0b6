/** Currencies whose amounts Stripe counts in whole units rather than cents. */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

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
  const digits = String(Math.abs(amount));
  if (ZERO_DECIMAL.has(code)) return `${sign}${groupThousands(digits)} ${symbol}`;
  const padded = digits.padStart(3, '0');
  return `${sign}${groupThousands(padded.slice(0, -2))},${padded.slice(-2)} ${symbol}`;
}

export function minimumChargeAmount(currency: string): number | undefined {
  return MINIMUM_CHARGE.get(currency.toLowerCase());
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}
