import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const README = join(ROOT, 'README.md');
const ENV_SCHEMA = join(ROOT, 'src', 'config', 'env.schema.ts');

/** The variables named in the first column of the table under the README's "## Configuration". */
export function configTableVariables(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === '## Configuration');
  if (start < 0) throw new Error('README.md has no "## Configuration" section');
  const end = lines.findIndex((line, index) => index > start && /^#{1,2} /.test(line));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const rows = section.filter((line) => line.startsWith('|')).slice(2); // header and separator
  if (rows.length === 0) throw new Error('the Configuration section of README.md has no table');
  return rows.map((row) => {
    const firstCell = row.split('|')[1].trim();
    const match = /^`([A-Z][A-Z0-9_]*)`$/.exec(firstCell);
    if (!match) throw new Error(`README.md configuration row does not name one variable: ${row}`);
    return match[1];
  });
}

/** The property names of `export class Env`: every variable the service validates at boot. */
export function envClassKeys(source: string): string[] {
  const file = ts.createSourceFile(ENV_SCHEMA, source, ts.ScriptTarget.Latest, true);
  const env = file.statements.find((node): node is ts.ClassDeclaration => ts.isClassDeclaration(node) && node.name?.text === 'Env');
  if (!env) throw new Error('src/config/env.schema.ts has no class Env');
  return env.members
    .filter(ts.isPropertyDeclaration)
    .filter((member) => !member.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.StaticKeyword))
    .map((member) => member.name.getText(file));
}

describe('README.md configuration table', () => {
  const documented = configTableVariables(readFileSync(README, 'utf8'));
  const validated = envClassKeys(readFileSync(ENV_SCHEMA, 'utf8'));

  it('finds the variables on both sides', () => {
    expect(validated.length).toBeGreaterThan(10);
    expect(documented.length).toBeGreaterThan(10);
  });

  it('lists every variable of the Env class (none missing)', () => {
    const missing = validated.filter((name) => !documented.includes(name));
    expect({ missingFromReadme: missing }).toEqual({ missingFromReadme: [] });
  });

  it('lists no variable the Env class does not have (none extra)', () => {
    const extra = documented.filter((name) => !validated.includes(name));
    expect({ notInEnvClass: extra }).toEqual({ notInEnvClass: [] });
  });

  it('lists each variable once', () => {
    const repeated = documented.filter((name, index) => documented.indexOf(name) !== index);
    expect({ listedTwice: repeated }).toEqual({ listedTwice: [] });
  });
});
