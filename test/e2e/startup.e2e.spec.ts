import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/env.schema';
import { SWC_REGISTER } from '../support/child-process';

const ROOT = join(__dirname, '..', '..');

/** Runs src/main.ts as `npm start` would, with only `env`; resolves with its exit code and output. */
function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', SWC_REGISTER, join('src', 'main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_NO_WARNINGS: '1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The real entry point refuses configurations in which anyone could forge a token. */
describe('Starting the service', () => {
  const database = { DATABASE_URL: process.env.TEST_DATABASE_URL ?? '' };

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
