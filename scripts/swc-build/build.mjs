// What `npm start` runs before the service: compiles src/, migrations/ and tools/ (the development
// entry point, tools/dev/main.ts, and the Stripe emulator) to dist/ with SWC (the same layout as
// `nest build`, which compiles src/ and migrations/ only), only the files changed since their last
// build, and removes outputs whose source is gone. No type check: `npm run typecheck` (CI) does that. A clean build takes about a
// second where tsc takes 15–20 s; a start with nothing changed costs a few file stats.
import { transformFile } from '@swc/core';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'dist');
const sourceDirs = ['src', 'migrations', 'tools'];

// As test/support/swc-options.cjs: Nest's dependency injection reads the decorators' metadata.
/** @type {import('@swc/core').Options} */
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
  swcrc: false,
};

/** @param {string} dir @returns {string[]} the TypeScript sources under dir, tests and declarations left out */
function sources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** @param {string} dir @returns {string[]} the compiled files under dir */
function outputs(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? outputs(path) : entry.name.endsWith('.js') ? [path] : [];
  });
}

const started = performance.now();
const all = sourceDirs.flatMap((dir) => sources(join(root, dir)));
const outputOf = (/** @type {string} */ source) => join(outDir, relative(root, source)).replace(/\.ts$/, '.js');
const stale = all.filter((source) => {
  const output = outputOf(source);
  return !existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs;
});

await Promise.all(
  stale.map(async (source) => {
    const { code } = await transformFile(source, { ...options, filename: source });
    const output = outputOf(source);
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, code);
  }),
);

const wanted = new Set(all.map(outputOf));
let removed = 0;
for (const dir of sourceDirs) {
  for (const output of outputs(join(outDir, dir))) {
    if (wanted.has(output)) continue;
    rmSync(output);
    rmSync(`${output}.map`, { force: true });
    removed++;
  }
}

if (stale.length > 0 || removed > 0) {
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`dist/: ${stale.length} of ${all.length} files compiled with SWC${removed > 0 ? `, ${removed} removed` : ''} in ${ms} ms\n`);
}
