/** Money is integer minor units everywhere; this is the only place that turns it into text. */
export function formatMoney(amountCents: number, currency: string): string {
  if (!Number.isSafeInteger(amountCents)) throw new RangeError(`amount ${amountCents} is not an integer of minor units`);
  const sign = amountCents < 0 ? '-' : '';
  const abs = Math.abs(amountCents);
  const units = Math.trunc(abs / 100);
  const cents = String(abs % 100).padStart(2, '0');
  return `${sign}${units},${cents} ${currency.toLowerCase() === 'eur' ? '€' : currency.toUpperCase()}`;
}
