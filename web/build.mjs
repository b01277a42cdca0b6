// Builds the reference client into web/dist. With --if-stale (what `npm start` runs), does nothing
// when web/dist is newer than every source of the client, so a start costs a few file stats.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const outDir = join(webDir, 'dist');
const built = join(outDir, 'index.html');
// The server's money formatting is part of the client too (web/src/format.ts imports it).
const sources = ['index.html', 'vite.config.mts', 'src', 'public', '../src/common/currencies.ts', '../src/common/money.ts', '../src/common/iban.ts', '../package-lock.json'].map(
  (path) => join(webDir, path),
);

/** @param {string} path @returns {number} the newest modification time under path, 0 if absent */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const ifStale = process.argv.includes('--if-stale');
if (ifStale && existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest))) process.exit(0);

// Built aside, then swapped in: a service starting meanwhile never reads a half-written client,
// and two builds at once (parallel test runs) do not write into each other's files.
const staging = join(webDir, `.dist-${process.pid}`);
// Loaded only now: importing Vite alone costs more than the whole freshness check.
const { build } = await import('vite');
await build({ configFile: join(webDir, 'vite.config.mts'), logLevel: ifStale ? 'warn' : 'info', build: { outDir: staging } });
const previous = join(webDir, `.dist-old-${process.pid}`);
if (existsSync(outDir)) renameSync(outDir, previous);
try {
  renameSync(staging, outDir);
} catch (error) {
  // Another build swapped its own identical result in first: keep that one.
  if (!existsSync(built)) throw error;
}
rmSync(staging, { recursive: true, force: true });
rmSync(previous, { recursive: true, force: true });
if (ifStale) process.stdout.write('Reference client built into web/dist\n');
