/*
 * Bank account identifiers of SEPA credit transfers (ISO 13616 IBAN, ISO 9362 BIC), checked where
 * they are entered (payout details, the platform's own account in the configuration). Pure; no
 * imports, so the configuration (shared kernel) and the reference client (web/, its money page
 * checks an IBAN before sending it) can both use it.
 */

/**
 * IBAN lengths of the SEPA countries and territories (the SWIFT IBAN registry): an IBAN of one of
 * them must have exactly this length. Other countries are checked by format and mod 97 only.
 */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22,
  GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18,
  NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
};

/** An IBAN as it is stored and written in files: upper case, no spaces ("FR76 3000 …" → "FR763000…"). */
export function normalizeIban(text: string): string {
  return text.replace(/[\s-]+/g, '').toUpperCase();
}

/**
 * What is wrong with an IBAN (after `normalizeIban`), or null: the country and check digits, the
 * country's length when it is a SEPA country, and the ISO 7064 mod 97 check (the number made of the
 * BBAN, then the country code and check digits, letters as 10–35, leaves 1 divided by 97).
 */
export function ibanProblem(iban: string): string | null {
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) {
    return 'an IBAN is a country code, two check digits and 11 to 30 letters or digits (e.g. FR76 3000 6000 0112 3456 7890 189)';
  }
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && iban.length !== expected) return `an IBAN of ${iban.slice(0, 2)} has ${expected} characters, not ${iban.length}`;
  if (mod97(iban.slice(4) + iban.slice(0, 4)) !== 1) return 'the IBAN check digits do not match (mod 97): a character is wrong or missing';
  return null;
}

/** The remainder of the decimal number the letters and digits spell (A = 10 … Z = 35), digit by digit. */
function mod97(text: string): number {
  let remainder = 0;
  for (const char of text) {
    const value = char >= 'A' ? char.charCodeAt(0) - 55 : char.charCodeAt(0) - 48;
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder;
}

/** The BIC pattern of pain.001.001.03 (BICIdentifier): bank, country, location, optional branch. */
export const BIC_PATTERN = /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/;

/** The last four characters, for alerts and logs: an IBAN is never shown whole outside its owner's views. */
export function maskIban(iban: string): string {
  return `…${iban.slice(-4)}`;
}
