/**
 * `npm run bench:sockets`: how many sockets an instance holds and what they cost, with alerts
 * flowing. Moderators' sockets are opened from separate processes (several loopback source
 * addresses), then purchases are credited at a steady rate by signed webhooks, and every
 * moderator alert is timed from the moment its webhook was answered (the credit committed) to the
 * moment it reached its socket.
 *
 * Reported per run: sockets held, memory per socket (resident set and JS heap of each instance,
 * after a full collection, minus the same before the sockets), alerts delivered, alert latency
 * p50/p99/max.
 *
 * Environment: DATABASE_URL (a server: a scratch database is created and dropped), REDIS_URL
 * (needed for two instances), BENCH_SOCKETS (10000), BENCH_SOCKET_INSTANCES (1 or 2),
 * BENCH_SOCKET_RATE (100 purchases a second), BENCH_SOCKET_SECONDS (30),
 * BENCH_SOCKETS_PER_CLIENT_PROCESS (10000).
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { Client } from 'pg';
import { StripeEmulator } from '../tools/stripe-emulator';
import { createDatabase, databaseUrl, dropDatabase, resolveServer, scratchName } from './database';
import { HttpClient, percentile, runPool } from './http-load';
import { BENCH_JWT_SECRET, BENCH_WEBHOOK_SECRET, benchServiceEnv } from './service';
import type { FromClients, SocketPlan, ToClients } from './socket-clients';
import { now } from './socket-clients';
import type { ServiceMessage } from './socket-service';
import { intEnv } from './env';

interface Config {
  sockets: number;
  instances: 1 | 2;
  rate: number;
  seconds: number;
  perClientProcess: number;
  redisUrl?: string;
}

interface Instance {
  url: string;
  child: ChildProcess;
  memory(): Promise<{ rss: number; heapUsed: number }>;
}

const print = (line = '') => process.stdout.write(`${line}\n`);
const jwt = new JwtService({ secret: BENCH_JWT_SECRET, signOptions: { algorithm: 'HS256', expiresIn: '6h' } });
/** Sockets per loopback source address: under the default MAX_CONNECTIONS_PER_ADDRESS (1024). */
const SOCKETS_PER_ADDRESS = 900;
/**
 * Every checkout is made before any is paid, and a client may hold at most 10 open checkouts
 * (a 429 beyond): enough clients that none holds more than 8.
 */
const MIN_CLIENTS = 200;
const CHECKOUTS_PER_CLIENT = 8;
const CHECKOUT_CONCURRENCY = 16;
/** After the last webhook, how long late alerts are waited for. */
const TAIL_MS = 10_000;

function readConfig(): Config {
  const instances = intEnv('BENCH_SOCKET_INSTANCES', 1, 1, 2) as 1 | 2;
  const redisUrl = process.env.REDIS_URL;
  if (instances === 2 && !redisUrl) throw new Error('BENCH_SOCKET_INSTANCES=2 needs REDIS_URL: alerts cross instances through Redis');
  return {
    sockets: intEnv('BENCH_SOCKETS', 10_000, 1, 100_000),
    instances,
    rate: intEnv('BENCH_SOCKET_RATE', 100, 1, 5000),
    seconds: intEnv('BENCH_SOCKET_SECONDS', 30, 1, 3600),
    perClientProcess: intEnv('BENCH_SOCKETS_PER_CLIENT_PROCESS', 10_000, 100, 18_000),
    redisUrl: instances === 2 ? redisUrl : undefined,
  };
}

function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = fork(join(__dirname, 'socket-service.ts'), [], {
    execArgv: ['--expose-gc', '-r', 'ts-node/register/transpile-only'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends ServiceMessage['type']>(type: T) =>
    new Promise<Extract<ServiceMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (message: ServiceMessage) => {
        if (message.type === 'failed') reject(new Error(message.message));
        else if (message.type === type) {
          child.off('message', onMessage);
          resolve(message as Extract<ServiceMessage, { type: T }>);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`service exited (${code})`)));
    });
  return next('ready').then(({ url }) => ({
    url,
    child,
    async memory() {
      const pending = next('memory');
      child.send({ type: 'memory' });
      const { rss, heapUsed } = await pending;
      return { rss, heapUsed };
    },
  }));
}

class ClientProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<ClientProcess> {
    const child = fork(join(__dirname, 'socket-clients.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const clients = new ClientProcess(child);
    await clients.next('ready');
    return clients;
  }

  async open(sockets: SocketPlan[]): Promise<Extract<FromClients, { type: 'opened' }>> {
    this.send({ type: 'open', sockets, concurrency: 64 });
    return this.next('opened');
  }

  report(): Promise<Extract<FromClients, { type: 'report' }>> {
    this.send({ type: 'report' });
    return this.next('report');
  }

  close(): void {
    if (this.child.connected) this.send({ type: 'close' });
  }

  private send(message: ToClients): void {
    this.child.send(message);
  }

  private next<T extends FromClients['type']>(type: T): Promise<Extract<FromClients, { type: T }>> {
    return new Promise((resolve) => {
      const onMessage = (message: FromClients) => {
        if (message.type !== type) return;
        this.child.off('message', onMessage);
        resolve(message as Extract<FromClients, { type: T }>);
      };
      this.child.on('message', onMessage);
    });
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const server = await resolveServer(false);
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  const name = scratchName('sockets');
  await createDatabase(admin, name);
  const url = databaseUrl(server.url, name);
  const emulator = await StripeEmulator.start({ webhookSecret: BENCH_WEBHOOK_SECRET, retry: { attempts: 1, baseDelayMs: 0 } });
  const instances: Instance[] = [];
  const clientProcesses: ClientProcess[] = [];
  const db = new Client({ connectionString: url });
  try {
    const env = {
      ...benchServiceEnv(url, emulator.url),
      ...(config.redisUrl && { REDIS_URL: config.redisUrl }),
      RECONCILE_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
    };
    // The first migrates; the others find the schema ready.
    instances.push(await startInstance(env));
    if (config.instances === 2) instances.push(await startInstance(env));
    await db.connect();
    // Redis pub/sub ignores the database number: another run on the same Redis server pushes alerts
    // to user ids of its own, which would reach our sockets if our ids were the same (both from 1).
    // Ours start far away, as test/support/isolated-database.ts does for the test suites.
    await db.query(`ALTER TABLE users ALTER COLUMN id RESTART WITH ${10n ** 12n * BigInt(randomInt(1, 9000))}`);

    print(`bench:sockets — ${config.sockets} sockets on ${config.instances} instance(s), ${config.rate} purchases/s for ${config.seconds} s`);
    const moderators = await insertUsers(db, 'moderator', config.sockets);
    const clients = await insertUsers(db, 'client', Math.max(MIN_CLIENTS, Math.ceil((config.rate * config.seconds) / CHECKOUTS_PER_CLIENT)));
    const { rows: profiles } = await db.query<{ id: string; moderator_id: string }>(
      `INSERT INTO profiles (name, moderator_id) SELECT 'Sockets ' || m.n, m.id FROM unnest($1::bigint[]) WITH ORDINALITY AS m(id, n) RETURNING id, moderator_id`,
      [moderators],
    );

    const before = await Promise.all(instances.map((instance) => instance.memory()));
    const plans: SocketPlan[] = moderators.map((id, i) => ({
      url: instances[i % instances.length].url,
      token: jwt.sign({ sub: id, role: 'moderator' }),
      localAddress: `127.0.${10 + Math.floor(i / SOCKETS_PER_ADDRESS / 250)}.${1 + (Math.floor(i / SOCKETS_PER_ADDRESS) % 250)}`,
    }));
    for (let start = 0; start < plans.length; start += config.perClientProcess) clientProcesses.push(await ClientProcess.start());
    const opened = await Promise.all(clientProcesses.map((clients, i) => clients.open(plans.slice(i * config.perClientProcess, (i + 1) * config.perClientProcess))));
    const connected = opened.reduce((sum, result) => sum + result.connected, 0);
    print(`  opened ${connected}/${config.sockets} sockets in ${Math.max(...opened.map((result) => result.seconds)).toFixed(1)} s`);
    for (const refusal of opened.flatMap((result) => result.refused)) print(`  refused: ${refusal}`);
    const held = await Promise.all(instances.map((instance) => instance.memory()));
    const perInstance = instances.map((_, i) => plans.filter((plan) => plan.url === instances[i].url).length);

    // Pending purchases through the real route, then their signed payments at a steady rate.
    const purchases = config.rate * config.seconds;
    const payloads = await checkouts(instances[0].url, emulator, clients, profiles, purchases);
    const answeredAt = new Map<string, number>();
    const webhooks = instances.map((instance) => new HttpClient(instance.url, 64));
    const started = now();
    const inFlight: Array<Promise<void>> = [];
    let failures = 0;
    for (let i = 0; i < payloads.length; i++) {
      const due = started + (i * 1000) / config.rate;
      const wait = due - now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const { transactionId, payload } = payloads[i];
      const signature = emulator.signPayload(payload);
      inFlight.push(
        webhooks[i % webhooks.length].post('/stripe/webhook', payload, { 'Stripe-Signature': signature }).then((result) => {
          if (result.status === 200) answeredAt.set(transactionId, now());
          else failures += 1;
        }),
      );
    }
    await Promise.all(inFlight);
    const sendSeconds = (now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
    const reports = await Promise.all(clientProcesses.map((clients) => clients.report()));
    const after = await Promise.all(instances.map((instance) => instance.memory()));
    for (const client of webhooks) client.close();

    const latencies: number[] = [];
    // Each purchase's alert once: a second one to the same socket is a duplicate, counted apart.
    const seen = new Set<string>();
    let duplicates = 0;
    for (const [transactionId, receivedAt] of reports.flatMap((report) => report.alerts)) {
      const answered = answeredAt.get(transactionId);
      if (answered === undefined) continue;
      if (seen.has(transactionId)) {
        duplicates += 1;
        continue;
      }
      seen.add(transactionId);
      latencies.push(Math.max(0, receivedAt - answered));
    }
    latencies.sort((a, b) => a - b);
    const { rows: credited } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM profile_point_transactions WHERE status = 'completed'`);
    const stillConnected = reports.reduce((sum, report) => sum + report.connected, 0);

    const kb = (bytes: number) => bytes / 1024;
    const memory = instances.map((_, i) => ({
      sockets: perInstance[i],
      rssKbPerSocket: kb(held[i].rss - before[i].rss) / perInstance[i],
      heapKbPerSocket: kb(held[i].heapUsed - before[i].heapUsed) / perInstance[i],
      rssMbAfterTraffic: after[i].rss / 1024 / 1024,
    }));
    const result = {
      at: new Date().toISOString(),
      config: { ...config, redisUrl: config.redisUrl ? '(set)' : undefined },
      socketsConnected: connected,
      socketsStillConnected: stillConnected,
      purchases,
      webhookFailures: failures,
      credited: credited[0].n,
      sendSeconds,
      alerts: latencies.length,
      duplicateAlerts: duplicates,
      alertP50Ms: percentile(latencies, 50),
      alertP99Ms: percentile(latencies, 99),
      alertMaxMs: latencies[latencies.length - 1] ?? null,
      instances: memory,
    };
    print(`  credited ${result.credited}/${purchases} purchases (${failures} webhook failures) in ${sendSeconds.toFixed(1)} s`);
    print(`  alerts delivered ${result.alerts}/${purchases} (${duplicates} more than once); latency from the webhook's answer: p50 ${result.alertP50Ms.toFixed(1)} ms, p99 ${result.alertP99Ms.toFixed(1)} ms, max ${(result.alertMaxMs ?? Number.NaN).toFixed(1)} ms`);
    for (const [i, instance] of memory.entries()) {
      print(
        `  instance ${i + 1}: ${instance.sockets} sockets, ${instance.rssKbPerSocket.toFixed(1)} KB resident and ${instance.heapKbPerSocket.toFixed(1)} KB of JS heap per socket; ` +
          `${instance.rssMbAfterTraffic.toFixed(0)} MB resident after the traffic`,
      );
    }
    print(`  sockets still connected at the end: ${stillConnected}`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', `sockets-${config.instances}-instance${config.instances > 1 ? 's' : ''}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const clients of clientProcesses) clients.close();
    for (const instance of instances) instance.child.disconnect();
    await Promise.all(instances.map((instance) => new Promise((resolve) => (instance.child.exitCode !== null ? resolve(null) : instance.child.once('exit', resolve)))));
    await db.end().catch(() => undefined);
    await emulator.stop();
    await dropDatabase(admin, name).catch((error: Error) => print(`could not drop ${name}: ${error.message}`));
    await admin.end();
    await server.embedded?.stop();
  }
}

async function insertUsers(db: Client, role: 'moderator' | 'client', count: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (email, name, role) SELECT $1 || '-' || g || '-' || $3 || '@bench.local', 'Bench ' || $1, $1 FROM generate_series(1, $2::int) AS g RETURNING id`,
    [role, count, process.pid],
  );
  return rows.map((row) => row.id);
}

/** Checkouts through the real route, spread over profiles and clients; the signed event of each one's payment. */
async function checkouts(
  url: string,
  emulator: StripeEmulator,
  clients: string[],
  profiles: Array<{ id: string }>,
  count: number,
): Promise<Array<{ transactionId: string; payload: string }>> {
  const http = new HttpClient(url, CHECKOUT_CONCURRENCY);
  const tokens = clients.map((id) => jwt.sign({ sub: id, role: 'client' }));
  const created = Math.floor(Date.now() / 1000);
  try {
    return await runPool(Array.from({ length: count }, (_, i) => i), CHECKOUT_CONCURRENCY, async (i) => {
      const profile = profiles[Math.floor(Math.random() * profiles.length)];
      const response = await http.post('/profile-points/checkout', JSON.stringify({ profile_id: profile.id, pack: '100' }), {
        Authorization: `Bearer ${tokens[i % tokens.length]}`,
      });
      if (response.status !== 201) throw new Error(`checkout ${i} answered ${response.status}: ${response.body.slice(0, 200)}`);
      const { sessionId, transactionId } = JSON.parse(response.body) as { sessionId: string; transactionId: string };
      const session = emulator.getSession(sessionId)!;
      const payload = JSON.stringify({
        id: `evt_sockets_${process.pid}_${i}`,
        object: 'event',
        livemode: false,
        type: 'checkout.session.completed',
        created,
        data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${sessionId}` } },
      });
      return { transactionId, payload };
    });
  } finally {
    http.close();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
