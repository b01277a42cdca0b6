import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, Socket } from 'socket.io-client';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { createScenario } from '../factories';
import { ChildApp, startChildApp } from '../support/child-process';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { TEST_WEBHOOK_SECRET, testServiceEnv } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { freePort } from '../support/free-port';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONFIG = join(__dirname, '..', '..', 'ops', 'nginx', 'scale.conf');

/**
 * The scale profile's nginx configuration (ops/nginx/scale.conf), run by the machine's nginx in
 * front of three instances of the service: only the upstream addresses (app-1..3 on compose's
 * network) and the listening address are changed. Socket.io's long-polling only works if every
 * request of a session reaches the instance that made it, so a polling client that connects and
 * gets its alert proves the sticky routing; a websocket-only client may land anywhere.
 */
describe('nginx of the scale profile in front of three instances', () => {
  let database: IsolatedDatabase;
  let emulator: StripeEmulator;
  let nginx: ChildProcess;
  let nginxUrl: string;
  let directory: string;
  const apps: ChildApp[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    database = await createIsolatedDatabase('nginx');
    emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET, retry: { attempts: 3, baseDelayMs: 100 } });
    const env = { ...testServiceEnv(database.url, emulator.url), REDIS_URL, RECONCILE_INTERVAL_MS: '0', TRUST_PROXY: '1' };
    apps.push(...(await Promise.all([1, 2, 3].map(() => startChildApp(env, 60_000)))));

    const port = await freePort();
    let config = readFileSync(CONFIG, 'utf8');
    apps.forEach((app, i) => {
      config = config.replaceAll(`server app-${i + 1}:3000 `, `server ${new URL(app.url).host} `);
    });
    config = config.replace('listen 80;', `listen 127.0.0.1:${port};`);
    expect(config).not.toMatch(/app-\d/);
    directory = mkdtempSync(join(tmpdir(), 'nginx-scale-'));
    writeFileSync(join(directory, 'nginx.conf'), config);
    nginx = spawn('nginx', ['-e', 'stderr', '-p', directory, '-c', join(directory, 'nginx.conf'), '-g', `daemon off; pid ${join(directory, 'nginx.pid')};`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    nginx.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    nginxUrl = `http://127.0.0.1:${port}`;
    await waitUntil(async () => {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      return (await fetch(`${nginxUrl}/health/live`).catch(() => undefined))?.status === 200;
    }, 10_000);
    emulator.setWebhookUrl(`${nginxUrl}/stripe/webhook`);
  }, 90_000);
  afterAll(async () => {
    try {
      for (const socket of sockets) socket.disconnect();
      nginx?.kill('SIGQUIT');
      for (const app of apps) await app.kill();
      await emulator?.stop();
      if (directory) rmSync(directory, { recursive: true, force: true });
    } finally {
      await database?.drop();
    }
  });

  /** A socket of `token` through nginx with the given transports; resolves once connected. */
  async function connect(token: string, transports: Array<'polling' | 'websocket'>) {
    const socket = io(`${nginxUrl}/notifications`, { auth: { token }, transports, reconnection: false, forceNew: true });
    sockets.push(socket);
    const alerts: string[] = [];
    socket.on('points.purchased', (payload: { transactionId: string }) => alerts.push(payload.transactionId));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return { socket, alerts };
  }

  async function buy(client: { token: string }, profileId: string): Promise<string> {
    const response = await fetch(`${nginxUrl}/profile-points/checkout`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile_id: profileId, pack: '100' }),
    });
    expect(response.status).toBe(201);
    const { sessionId, transactionId } = (await response.json()) as { sessionId: string; transactionId: string };
    const [delivery] = await emulator.paySession(sessionId);
    expect(delivery.status).toBe(200);
    return transactionId;
  }

  it('passes checkouts, webhooks and sockets of every transport, polling sessions to the instance that holds them', async () => {
    const { moderator, profile, client } = await createScenario(database.db);
    const polling = await connect(moderator.token, ['polling']);
    const upgrading = await connect(moderator.token, ['polling', 'websocket']);
    const websocket = await connect(moderator.token, ['websocket']);
    await waitUntil(() => Promise.resolve(upgrading.socket.io.engine.transport.name === 'websocket'), 5000);

    const bought: string[] = [];
    for (let i = 0; i < 6; i++) bought.push(await buy(client, profile.id));
    for (const line of [polling, upgrading, websocket]) {
      await waitUntil(() => Promise.resolve(line.alerts.length >= bought.length), 10_000);
      expect([...line.alerts].sort()).toEqual([...bought].sort());
    }
    expect(polling.socket.io.engine.transport.name).toBe('polling');

    // Every webhook reached one instance through nginx. (least_conn may send a sequence of short
    // requests all to one idle instance, so how they spread is not asserted.)
    const handled = await Promise.all(
      apps.map(async (app) => {
        const metrics = await (await fetch(`${app.url}/metrics`)).text();
        return [...metrics.matchAll(/^stripe_webhook_events_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
      }),
    );
    expect(handled.reduce((sum, n) => sum + n, 0)).toBe(bought.length);
  }, 60_000);

  it('refuses a webhook body over 1 MB itself, before any instance reads it', async () => {
    const response = await fetch(`${nginxUrl}/stripe/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=0' },
      body: `{"pad":"${'x'.repeat(1024 * 1024)}"}`,
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('server')).toBe('nginx');
  });
});

