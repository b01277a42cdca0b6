import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The official pain.001.001.03 schema, kept in the repository so that a fresh clone validates against it. */
export const PAIN_001_XSD = join(__dirname, '..', '..', 'docs', 'schemas', 'pain.001.001.03.xsd');

/**
 * Runs `xmllint --noout --schema <xsd>` on `xml` (Debian's libxml2-utils; .ci/run installs it) and
 * answers its exit code and output: 0 and "… validates" when the document is valid.
 */
export async function xmllintSchema(xml: string, xsd = PAIN_001_XSD): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sepa-'));
  const file = join(dir, 'payouts.xml');
  writeFileSync(file, xml);
  try {
    const { stdout, stderr } = await promisify(execFile)('xmllint', ['--noout', '--schema', xsd, file]);
    return { code: 0, output: `${stdout}${stderr}`.replaceAll(file, 'payouts.xml') };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failed.code === 'ENOENT') throw new Error('xmllint is not installed: run `apt-get install -y libxml2-utils` (as .ci/run does)', { cause: error });
    return { code: Number(failed.code), output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`.replaceAll(file, 'payouts.xml') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
