import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { tokenFor } from '../factories';
import { attachOutput, report } from '../support/captured-logs';
import { ChildApp, startChildApp } from '../support/child-process';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { platformKey, privatePem } from '../support/jwks';
import { TEST_WEBHOOK_SECRET } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { freePort } from '../support/free-port';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ISSUER = 'https://platform.example';
const AUDIENCE = 'profile-points';
const INTEGRATION_TOKEN = randomBytes(32).toString('base64url');
const PLATFORM_WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;


/**
 * The PHP client of examples/php, run as a platform runs it, against the service started as its own
 * process the way the platform configures it: its JWKS (served by the example's own PHP router, from
 * a key made here), INTEGRATION_TOKEN, PLATFORM_WEBHOOK_URL to that PHP router, and no JWT_SECRET.
 */
describe('The PHP client (examples/php) against a service configured for a platform', () => {
  let dir: string;
  let emulator: StripeEmulator;
  let database: IsolatedDatabase;
  let php: ChildProcess;
  let platformUrl: string;
  let service: ChildApp;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'php-client-'));
    const keyFile = join(dir, 'oauth-private.key');
    writeFileSync(keyFile, await privatePem(await platformKey('RS256')));
    const webhookLog = join(dir, 'events.ndjson');

    const port = await freePort();
    platformUrl = `http://127.0.0.1:${port}`;
    Object.assign(env, { PP_PRIVATE_KEY_FILE: keyFile, PP_WEBHOOK_SECRET: PLATFORM_WEBHOOK_SECRET, PP_WEBHOOK_LOG: webhookLog });
    php = spawn('php', ['-S', `127.0.0.1:${port}`, join(ROOT, 'examples', 'php', 'platform.php')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'ignore',
    });
    await waitUntil(async () => (await fetch(`${platformUrl}/.well-known/jwks.json`).catch(() => null))?.status === 200, 10_000);

    emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET });
    database = await createIsolatedDatabase('php_client');
    service = await startChildApp({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      STRIPE_SECRET_KEY: 'sk_test_emulator',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_emulator',
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_BASE_URL: emulator.url,
      APP_URL: 'http://frontend.test',
      JWT_JWKS_URL: `${platformUrl}/.well-known/jwks.json`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      INTEGRATION_TOKEN,
      PLATFORM_WEBHOOK_URL: `${platformUrl}/webhooks/profile-points`,
      PLATFORM_WEBHOOK_SECRET,
      OUTBOX_POLL_INTERVAL_MS: '250',
    });
    emulator.setWebhookUrl(`${service.url}/stripe/webhook`);
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    php?.kill('SIGTERM');
    await emulator?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** POSTs an event to the PHP receiver as the service does, signed by the reference library. */
  async function deliver(body: string, headers: Record<string, string>) {
    return fetch(`${platformUrl}/webhooks/profile-points`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
  }

  it('runs without JWT_SECRET: HS256 tokens are refused, the platform\'s keys are the only way in', async () => {
    const response = await fetch(`${service.url}/notifications`, { headers: { Authorization: `Bearer ${tokenFor({ id: '1', role: 'client' })}` } });
    expect(response.status).toBe(401);
  });

  it("verifies in PHP what the reference library (standardwebhooks) signs, and refuses what it must", async () => {
    const signer = new Webhook(PLATFORM_WEBHOOK_SECRET);
    const body = JSON.stringify({
      type: 'purchase.completed',
      timestamp: new Date().toISOString(),
      data: { clientId: '1', profileId: '2', transactionId: '3', moderatorId: '4', points: 500, amountCents: 999, currency: 'eur', balance: 500, spendable: 500, balanceVersion: 1 },
    });
    const signed = (id: string, at: Date, payload = body) => ({ 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign(id, at, payload) });

    const good = signed('msg_reference_1', new Date());
    expect((await deliver(body, good)).status).toBe(204);
    // The same delivery again (a retry) is kept once.
    expect((await deliver(body, good)).status).toBe(204);
    expect(readFileSync(env.PP_WEBHOOK_LOG, 'utf8').trim().split('\n')).toHaveLength(1);

    expect((await deliver(body.replace('500', '5000'), good)).status).toBe(401);
    const stale = new Date(Date.now() - 10 * 60_000);
    expect((await deliver(body, signed('msg_reference_2', stale))).status).toBe(401);
    const otherSecret = new Webhook(`whsec_${randomBytes(24).toString('base64')}`);
    const at = new Date();
    const forged = { 'webhook-id': 'msg_reference_3', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': otherSecret.sign('msg_reference_3', at, body) };
    expect((await deliver(body, forged)).status).toBe(401);
    // Several signatures, one valid (a secret rotation on the sender's side): accepted.
    expect((await deliver(body, { ...signed('msg_reference_4', at), 'webhook-signature': `${forged['webhook-signature']} ${signed('msg_reference_4', at)['webhook-signature']}` })).status).toBe(204);
  });

  it('provisions, buys, pays, reads the balance, spends and finds a verified webhook: exit 0', async () => {
    const runId = String(100_000_000 + Math.floor(Math.random() * 899_999_999));
    const clientId = `72${runId}`;
    const demo = run('php', [join(ROOT, 'examples', 'php', 'demo.php')], {
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        PP_RUN: runId,
        PP_SERVICE_URL: service.url,
        PP_INTEGRATION_TOKEN: INTEGRATION_TOKEN,
        PP_ISSUER: ISSUER,
        PP_AUDIENCE: AUDIENCE,
        PP_STRIPE_EMULATOR_URL: emulator.url,
      },
      timeout: 60_000,
    }).then(
      ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
      (error: { stdout: string; stderr: string; code: number }) => ({ stdout: error.stdout, stderr: error.stderr, code: error.code }),
    );
    const output = await demo;
    // What a platform's developer sees when running the example: in full with a failure, one line otherwise.
    attachOutput('php examples/php/demo.php', () => `exit ${output.code}\n${output.stdout}${output.stderr}`);
    report(`php examples/php/demo.php: exit ${output.code}, ${output.stdout.trim().split('\n').length} lines, last "${output.stdout.trim().split('\n').pop()}"`);
    expect({ code: output.code, stderr: output.stderr }).toEqual({ code: 0, stderr: '' });
    expect(output.stdout).toMatch(/^token: RS256 without kid accepted/m);
    expect(output.stdout).toMatch(/^same idempotency key again: replayed, balance 490$/m);
    expect(output.stdout).toMatch(/^overdraft refused: 409 INSUFFICIENT_POINTS$/m);
    expect(output.stdout).toMatch(new RegExp(`^webhook purchase\\.completed for client ${clientId} \\(msg_\\w+\\): signature verified, 500 points$`, 'm'));
    expect(output.stdout.trim().split('\n').pop()).toBe('OK');

    // What the PHP client did is in the service's database, under the platform's ids.
    expect(await database.db.query(`SELECT role, name, email FROM users WHERE id = $1`, [clientId])).toEqual([{ role: 'client', name: null, email: null }]);
    expect(await database.db.query(`SELECT points_balance FROM profile_client_interactions WHERE client_id = $1`, [clientId])).toEqual([{ points_balance: '485' }]);
  }, 90_000);
});
