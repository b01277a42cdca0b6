import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { attachOutput, recordLine } from './captured-logs';

export interface ChildApp {
  url: string;
  process: ChildProcess;
  /** SIGKILL: no shutdown hook runs, like a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
  /** Everything the process wrote so far, from its first byte. */
  output(): { stdout: string; stderr: string };
}

const ROOT = join(__dirname, '..', '..');

/**
 * Compiles TypeScript on require() with SWC, with the options of test/support/jest-transform.cjs
 * (legacy decorators + metadata, CommonJS), then loads the entry given as first argument. About
 * twice as fast to boot as ts-node, which loads the TypeScript compiler. The @nestjs packages are
 * ESM: Node 20.19+ loads them through require() as they are.
 */
export const SWC_REGISTER = `
const fs = require('node:fs');
const { transformSync } = require('@swc/core');
const options = require(${JSON.stringify(require.resolve('./swc-options.cjs'))});
require.extensions['.ts'] = (module, filename) => {
  module._compile(transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
};
require(require('node:path').resolve(process.argv[1]));
`;

/**
 * Starts test/support/child-app.ts as its own Node process. Only PATH and HOME are inherited from
 * the test's environment; everything else is `env`.
 */
export function startChildApp(env: Record<string, string>, timeoutMs = 30_000): Promise<ChildApp> {
  const child = spawn(process.execPath, ['-e', SWC_REGISTER, join('test', 'support', 'child-app.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const written = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  child.stdout.on('data', (chunk: Buffer) => written.stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => written.stderr.push(chunk));

  const output = () => ({ stdout: Buffer.concat(written.stdout).toString(), stderr: Buffer.concat(written.stderr).toString() });
  // Its logs stay out of a green run: shown (the last of them) with a failed test of the suite.
  attachOutput(`child app (pid ${child.pid})`, () => {
    const { stdout, stderr } = output();
    return `ended: ${child.exitCode ?? child.signalCode ?? 'no'}\n${tail(stdout)}${stderr ? `\nstderr:\n${tail(stderr)}` : ''}`;
  });
  let ready = false;
  child.once('exit', (code, signal) => {
    // A child that ends without being sent a signal from here crashed: printed even if the test passes.
    if (!child.killed && ready) recordLine('error', 'ChildApp', `child app exited (${code ?? signal}) unexpectedly; its last output:\n${tail(output().stdout + output().stderr)}`);
  });

  const app = (url: string): ChildApp => ({
    url,
    process: child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    output,
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child app not ready within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (ready) return;
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{"ready"'));
      if (!line) return;
      ready = true;
      clearTimeout(timer);
      resolve(app((JSON.parse(line) as { ready: string }).ready));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child app exited (${code ?? signal}) before it was ready:\n${stderr}`));
    });
  });
}

const tail = (text: string, chars = 4000) => (text.length > chars ? `…${text.slice(-chars)}` : text);
