import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Response } from 'supertest';

/** The platform's account of the payout files in tests (a valid IBAN and BIC). */
export const DEBTOR_ENV = {
  PAYOUT_DEBTOR_NAME: 'Profile Points SAS',
  PAYOUT_DEBTOR_IBAN: 'FR76 3000 6000 0112 3456 7890 189',
  PAYOUT_DEBTOR_BIC: 'BNPAFRPPXXX',
};

/** Valid IBANs of moderators. */
export const IBANS = ['DE89370400440532013000', 'GB82WEST12345698765432', 'NL91ABNA0417164300', 'BE71096123456769'] as const;

/** The current UTC month, YYYY-MM. */
export function currentMonth(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

/** A supertest parser that keeps a binary answer (a PDF) as a Buffer: `.buffer(true).parse(binaryBody)`. */
export function binaryBody(response: Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** The text of a PDF as `pdftotext -layout` reads it (Debian's poppler-utils; .ci/run installs it). */
export async function pdfText(pdf: Buffer): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'statement-'));
  const file = join(dir, 'statement.pdf');
  writeFileSync(file, pdf);
  try {
    const { stdout } = await promisify(execFile)('pdftotext', ['-layout', file, '-']);
    return stdout;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new Error('pdftotext is not installed: run `apt-get install -y poppler-utils` (as .ci/run does)', { cause: error });
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes an output of a test to PAYOUTS_EXAMPLE_DIR when it is set (docs/payouts.md quotes the
 * worked example's real outputs from there); does nothing otherwise.
 */
export function keepExample(name: string, content: string | Buffer): void {
  const dir = process.env.PAYOUTS_EXAMPLE_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), content);
}
