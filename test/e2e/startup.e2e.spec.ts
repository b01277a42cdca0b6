import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/env.schema';
import { SWC_REGISTER } from '../support/child-process';

const ROOT = join(__dirname, '..', '..');

/** `npm start`'s entry point (the service with the embedded database, the emulator and the demo), and the image's. */
const DEVELOPMENT_ENTRY = join('tools', 'dev', 'main.ts');
const PRODUCTION_ENTRY = join('src', 'main.ts');

/**
 * Runs an entry point (`npm start`'s unless told) with only `env`; resolves with its exit code and
 * output. `whenListening` is called with the port once it listens; the process is then stopped (SIGTERM).
 */
function start(
  env: Record<string, string>,
  whenListening?: (port: number) => Promise<void>,
  entry = DEVELOPMENT_ENTRY,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SWC_REGISTER, entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_NO_WARNINGS: '1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let listening = false;
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on http:\/\/[^:]+:(\d+)/.exec(output)?.[1];
      if (!whenListening || listening || !port) return;
      listening = true;
      whenListening(Number(port)).then(() => child.kill('SIGTERM'), (error: unknown) => (child.kill('SIGKILL'), reject(error as Error)));
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** This machine's addresses other than loopback (IPv6 link-local ones aside), as other hosts reach it: URL hosts. */
function externalHosts(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((candidate) => candidate && !candidate.internal && !candidate.address.startsWith('fe80:'));
  if (!addresses.some((address) => address!.family === 'IPv4')) throw new Error('this machine has no IPv4 address besides loopback to test from');
  return addresses.map((address) => (address!.family === 'IPv6' ? `[${address!.address}]` : address!.address));
}

/** The real entry point refuses configurations in which anyone could forge a token. */
describe('Starting the service', () => {
  const database = { DATABASE_URL: process.env.TEST_DATABASE_URL ?? '' };

  it('listens on every interface in production, so that a published port or a load balancer reaches it', async () => {
    const hosts = externalHosts();
    let statuses: number[] = [];
    const { output } = await start(
      {
        ...database,
        NODE_ENV: 'production',
        APP_URL: 'https://points.example',
        JWT_SECRET: 'k7Qw2pX9vL4mN8rT1yB6cF3hJ5sD0gZa',
        STRIPE_SECRET_KEY: 'sk_test_startup',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_startup',
        STRIPE_WEBHOOK_SECRET: 'whsec_startup',
        RECONCILE_INTERVAL_MS: '0',
        OUTBOX_RELAY_ENABLED: 'false',
      },
      async (port) => {
        statuses = await Promise.all(hosts.map(async (host) => (await fetch(`http://${host}:${port}/health/live`)).status));
      },
      PRODUCTION_ENTRY,
    );
    // Every address of the machine, IPv4 and IPv6 alike.
    const ok = statuses.length === hosts.length && statuses.every((status) => status === 200);
    expect({ hosts, statuses, output: ok ? '' : output }).toEqual({ hosts, statuses: hosts.map(() => 200), output: '' });
    // With no METRICS_TOKEN in production, the operator is told that /metrics is public.
    expect(output).toMatch(/GET \/metrics answers anyone[^\n]*set METRICS_TOKEN/);
  });

  it('refuses to boot with a real database but no JWT_SECRET, outside production too', async () => {
    const { code, output } = await start({ ...database, NODE_ENV: 'development' });
    expect(code).toBe(1);
    expect(output).toMatch(/JWT_SECRET is required/);
    expect(output).not.toMatch(/listening/i);
  });

  it('refuses to boot with a live Stripe key but no JWT_SECRET', async () => {
    const { code, output } = await start({ ...database, STRIPE_SECRET_KEY: 'sk_live_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_abc123' });
    expect(code).toBe(1);
    expect(output).toMatch(/JWT_SECRET is required/);
  });

  it('refuses the public development secret once a real database is configured, without printing it', async () => {
    const { code, output } = await start({ ...database, JWT_SECRET: DEVELOPMENT_JWT_SECRET });
    expect(code).toBe(1);
    expect(output).toMatch(/public development secret/);
    expect(output).not.toContain(DEVELOPMENT_JWT_SECRET);
  });

  it("the production entry point starts no embedded database or emulator: outside production it names what is missing and npm start", async () => {
    const { code, output } = await start({ NODE_ENV: 'development' }, undefined, PRODUCTION_ENTRY);
    expect(code).toBe(1);
    expect(output).toContain('DATABASE_URL and STRIPE_SECRET_KEY are not set');
    expect(output).toContain('npm start');
    expect(output).not.toMatch(/Embedded PostgreSQL|Stripe emulator on/);
  });

  it('refuses a guessable secret in production', async () => {
    const { code, output } = await start({
      ...database,
      NODE_ENV: 'production',
      JWT_SECRET: ' '.repeat(40),
      STRIPE_SECRET_KEY: 'sk_live_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/JWT_SECRET/);
  });
});

/** A stack trace line, as Node prints them: what a clear startup error must not come with. */
const STACK_LINE = /^\s+at /m;

describe('Clear startup errors', () => {
  it('migration:run without DATABASE_URL says so in one message and exits 1, without a stack trace', () => {
    const run = spawnSync('npm', ['run', '-s', 'migration:run'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const output = run.stdout + run.stderr;
    expect(run.status).not.toBe(0);
    expect(output).toContain('DATABASE_URL must be set to run the migration CLI');
    expect(output).not.toMatch(STACK_LINE);
    expect(output).not.toContain('Unable to open file');
  }, 70_000);

  // As root (a container's default user) the embedded PostgreSQL runs as the "postgres" user, who must
  // be able to enter every directory above its data.
  it(
    'a data directory under a mode-700 directory: the message that says what to do, exit 1, no stack trace',
    async () => {
      const private700 = mkdtempSync(join(tmpdir(), 'pp-private-'));
      chmodSync(private700, 0o700);
      try {
        const { code, output } = await start({ NODE_ENV: 'development', DATA_DIR: join(private700, 'data') });
        expect(code).toBe(1);
        expect(output).toContain('cannot enter');
        expect(output).toContain('Set DATABASE_URL to a PostgreSQL server');
        expect(output).not.toMatch(STACK_LINE);
      } finally {
        rmSync(private700, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
