/** RFC 4180: fields with a comma, a quote or a line break are quoted, quotes doubled; lines end with CRLF. */
export function csvLine(fields: ReadonlyArray<string | number | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Integer minor units as a decimal string ("1234" → "12.34"), by integer arithmetic only. */
export function decimalAmount(amountCents: number): string {
  if (!Number.isSafeInteger(amountCents)) throw new RangeError(`amount ${amountCents} is not an integer of minor units`);
  const sign = amountCents < 0 ? '-' : '';
  const abs = Math.abs(amountCents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
