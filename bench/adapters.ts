/**
 * `npm run bench:adapters`: the same service routes on Express and on Fastify, in one run, with the
 * load from a process of its own, rounds alternating (E F F E E F…) so a change in the machine's load
 * hits both adapters alike.
 *
 * Both apps are the real `AppModule.forRoot()`, each on its own adapter and port, in this process
 * (only the one under load is busy). The service runs on Fastify since this comparison (src/app.setup.ts
 * is Fastify's: body parser with limits, hooks, helmet, CORS, socket.io's adapter, Swagger), so neither
 * gets `configureApp`; both get the same minimal edge: Nest's raw-body JSON parser (`rawBody: true`),
 * the ValidationPipe options of app.setup.ts and the HttpExceptionFilter (which answers errors through
 * Fastify's reply: the bench sends only requests that succeed). So the figures compare the adapters under
 * the same Nest app, not the production edge; `npm run bench` measures the service as it runs.
 *
 * Routes: the Stripe webhook with a signed event of a type the service ignores (signature check, JSON
 * parse, answer; the ceiling deliveries of `npm run bench`), and `GET /profile-points/transactions/client`
 * (JWT, rate-limit guard, user cache, one keyset query, serialisation).
 *
 * Environment: DATABASE_URL (a server; a scratch database is created and dropped) else the local default
 * else an embedded PostgreSQL; BENCH_ADAPTER_ROUNDS (4), BENCH_ADAPTER_WEBHOOKS (4000 per phase),
 * BENCH_ADAPTER_GETS (2000 per phase), BENCH_CONCURRENCY (32, webhooks), BENCH_HISTORY_CONCURRENCY (8, GETs).
 */
import 'reflect-metadata';
import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { IncomingMessage, Server } from 'node:http';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { HttpExceptionFilter } from '../src/common/http-exception.filter';
import { RefuseNewWorkWhileDraining } from '../src/health/shutdown';
import { StripeEmulator } from '../src/dev/stripe-emulator';
import { createDatabase, databaseUrl, dropDatabase, redact, resolveServer, scratchName } from './database';
import { HttpClient, HttpResult, percentile, runPool } from './http-load';
import { LoadProcess, LoadRequest } from './load-process';
import { BENCH_JWT_SECRET, BENCH_WEBHOOK_SECRET, benchServiceEnv } from './service';

type AdapterName = 'express' | 'fastify';
const ADAPTERS: readonly AdapterName[] = ['express', 'fastify'];
const IGNORED_EVENT_TYPE = 'payment_intent.created';
const GET_PATH = '/profile-points/transactions/client';
// A client may hold at most 10 open checkouts.
const CHECKOUTS = 10;

interface RouteSpec {
  name: string;
  requests: LoadRequest[];
  concurrency: number;
  ok: (result: HttpResult) => boolean;
}

interface Phase {
  requestsPerSecond: number;
  cpuMsPerRequest: number;
  p50Ms: number;
  p95Ms: number;
  errors: number;
  errorSample?: string;
}

const print = (line = '') => process.stdout.write(`${line}\n`);

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

/** The same minimal edge on both adapters (see the file's comment). */
async function boot(adapter: AdapterName): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(AppModule.forRoot(), adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter(), {
    rawBody: true,
    forceCloseConnections: true,
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: true }));
    app.useGlobalFilters(new HttpExceptionFilter());
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

async function measure(load: LoadProcess, route: RouteSpec): Promise<Phase> {
  let cpu: NodeJS.CpuUsage | undefined;
  const { results, elapsedMs } = await load.run(route.requests, route.concurrency, () => {
    cpu = process.cpuUsage();
    return Promise.resolve();
  });
  const used = process.cpuUsage(cpu);
  const failed = results.filter((result) => !route.ok(result));
  const latencies = results.map((result) => result.ms).sort((a, b) => a - b);
  return {
    requestsPerSecond: results.length / (elapsedMs / 1000),
    cpuMsPerRequest: (used.user + used.system) / 1000 / results.length,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    errors: failed.length,
    errorSample: failed[0] ? `${failed[0].status} ${failed[0].error ?? failed[0].body.slice(0, 200)}` : undefined,
  };
}

const seen = { 'drain (src/health)': 0, 'pino-http (nestjs-pino)': 0 };
let counting = false;

/**
 * Wraps the drain middleware so its calls can be counted (Nest binds a middleware's `use` when the app
 * boots, so this runs before both boots and costs both adapters the same flag test). The reference
 * client is a Fastify hook of the service, not middleware: the Express app here goes without it.
 */
function countMiddleware(): void {
  /* eslint-disable @typescript-eslint/unbound-method */
  const drain = RefuseNewWorkWhileDraining.prototype.use;
  /* eslint-enable @typescript-eslint/unbound-method */
  RefuseNewWorkWhileDraining.prototype.use = function (this: RefuseNewWorkWhileDraining, ...args: Parameters<typeof drain>) {
    if (counting) seen['drain (src/health)']++;
    return drain.apply(this, args);
  };
}

/**
 * For one request of each route: which of the service's middleware ran, and whether pino-http
 * (nestjs-pino's middleware) gave the request its logger, so a faster adapter cannot be faster by
 * skipping the service's middleware.
 */
async function middlewareSeen(app: INestApplication, load: LoadProcess, routes: RouteSpec[]): Promise<Record<string, number>> {
  for (const name of Object.keys(seen) as Array<keyof typeof seen>) seen[name] = 0;
  const server = app.getHttpServer() as Server;
  const onRequest = (request: IncomingMessage & { log?: unknown }, response: { once(event: 'finish', listener: () => void): void }) =>
    response.once('finish', () => {
      if (request.log !== undefined) seen['pino-http (nestjs-pino)']++;
    });
  server.on('request', onRequest);
  counting = true;
  try {
    for (const route of routes) await load.run(route.requests.slice(0, 1), 1);
  } finally {
    counting = false;
    server.off('request', onRequest);
  }
  return { ...seen };
}

function outcomeOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { outcome?: unknown }).outcome;
  } catch {
    return undefined;
  }
}

const range = (values: number[], digits: number) => {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? low.toFixed(digits) : `${low.toFixed(digits)}–${high.toFixed(digits)}`;
};

async function main(cleanups: Array<() => Promise<void> | void>): Promise<number> {
  const rounds = intEnv('BENCH_ADAPTER_ROUNDS', 4);
  const webhookCount = intEnv('BENCH_ADAPTER_WEBHOOKS', 4000);
  const getCount = intEnv('BENCH_ADAPTER_GETS', 2000);
  const webhookConcurrency = intEnv('BENCH_CONCURRENCY', 32);
  const getConcurrency = intEnv('BENCH_HISTORY_CONCURRENCY', 8);

  const server = await resolveServer(false);
  if (server.embedded) cleanups.push(() => server.embedded?.stop());
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  cleanups.push(() => admin.end());
  const serviceDb = scratchName('adapters');
  await createDatabase(admin, serviceDb);
  cleanups.push(() => dropDatabase(admin, serviceDb));
  print(`PostgreSQL at ${redact(server.url)}, scratch database ${serviceDb}`);

  const emulator = await StripeEmulator.start({ webhookSecret: BENCH_WEBHOOK_SECRET, retry: { attempts: 1, baseDelayMs: 0 } });
  cleanups.push(() => emulator.stop());
  Object.assign(process.env, benchServiceEnv(databaseUrl(server.url, serviceDb), emulator.url));

  countMiddleware();
  // One after the other: the first migrates the scratch database, the second finds it migrated.
  const apps = {} as Record<AdapterName, { app: INestApplication; url: string }>;
  for (const adapter of ADAPTERS) {
    const started = performance.now();
    try {
      apps[adapter] = await boot(adapter);
    } catch (error) {
      print(`${adapter}: the app did not boot: ${(error as Error).stack ?? String(error)}`);
      return 1;
    }
    const booted = apps[adapter].app;
    cleanups.push(() => booted.close());
    print(`${adapter}: up on ${apps[adapter].url} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  // One client with a few purchases (through the real checkout route, on Express), so the GET answers rows.
  const db = new Client({ connectionString: databaseUrl(server.url, serviceDb) });
  await db.connect();
  cleanups.push(() => db.end());
  const { rows: users } = await db.query<{ id: string }>(
    `INSERT INTO users (email, name, role) VALUES ('adapters-client@bench.local', 'Bench client', 'client'), ('adapters-moderator@bench.local', 'Bench moderator', 'moderator') RETURNING id`,
  );
  const { rows: profiles } = await db.query<{ id: string }>(`INSERT INTO profiles (name, moderator_id) VALUES ('Bench profile', $1) RETURNING id`, [users[1].id]);
  const token = new JwtService({ secret: BENCH_JWT_SECRET, signOptions: { algorithm: 'HS256', expiresIn: '1h' } }).sign({ sub: users[0].id, role: 'client' });
  const auth = { Authorization: `Bearer ${token}` };
  const http = new HttpClient(apps.express.url, 4);
  const sessions = await runPool(Array.from({ length: CHECKOUTS }, (_, i) => i), 4, async (i) => {
    const answer = await http.post('/profile-points/checkout', JSON.stringify({ profile_id: profiles[0].id, pack: ['100', '500', '1000'][i % 3] }), auth);
    if (answer.status !== 201) throw new Error(`checkout answered ${answer.status} ${answer.body.slice(0, 200)}`);
    return (JSON.parse(answer.body) as { sessionId: string }).sessionId;
  }).finally(() => http.close());

  // The ceiling's deliveries: a checkout session's full event (~2 KB), typed as one the service ignores.
  const created = Math.floor(Date.now() / 1000);
  const webhooks: LoadRequest[] = Array.from({ length: webhookCount }, (_, i) => {
    const session = emulator.getSession(sessions[i % sessions.length]);
    const payload = JSON.stringify({
      id: `evt_adapters_${process.pid}_${i}`,
      object: 'event',
      livemode: false,
      type: IGNORED_EVENT_TYPE,
      created,
      data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_${i}` } },
    });
    return { method: 'POST', path: '/stripe/webhook', body: payload, headers: { 'Stripe-Signature': emulator.signPayload(payload) } };
  });
  const routes: RouteSpec[] = [
    {
      name: `POST /stripe/webhook (${IGNORED_EVENT_TYPE}, ${Buffer.byteLength(webhooks[0].body ?? '')} B), concurrency ${webhookConcurrency}`,
      requests: webhooks,
      concurrency: webhookConcurrency,
      ok: (result) => result.status === 200 && outcomeOf(result.body) === 'ignored',
    },
    {
      name: `GET ${GET_PATH} (${CHECKOUTS} rows), concurrency ${getConcurrency}`,
      requests: Array.from({ length: getCount }, () => ({ method: 'GET' as const, path: GET_PATH, headers: auth })),
      concurrency: getConcurrency,
      ok: (result) => result.status === 200,
    },
  ];

  const loads = {} as Record<AdapterName, LoadProcess>;
  for (const adapter of ADAPTERS) {
    loads[adapter] = await LoadProcess.start(apps[adapter].url);
    const started = loads[adapter];
    cleanups.push(() => started.close());
  }
  print(`load generators: processes ${loads.express.pid} (→ express) and ${loads.fastify.pid} (→ fastify), out of the service's process`);

  // The same answer from both (apart from the correlation id): the adapters do the same work.
  const answers = await Promise.all(
    ADAPTERS.map(async (adapter) => {
      const client = new HttpClient(apps[adapter].url, 1);
      const answer = await client.get(GET_PATH, auth).finally(() => client.close());
      return `${answer.status} ${answer.body}`;
    }),
  );
  print(`GET ${GET_PATH}: ${answers[0] === answers[1] ? 'the same answer' : 'DIFFERENT answers'} on both adapters (${answers[0].length} characters)`);
  if (answers[0] !== answers[1]) return 1;

  // Which of the service's own middleware ran on each adapter (same app, same routes), for one request of each route.
  for (const adapter of ADAPTERS) {
    const seen = await middlewareSeen(apps[adapter].app, loads[adapter], routes);
    print(`${adapter}: middleware per request: ${Object.entries(seen).map(([name, count]) => `${name} ${count}/${routes.length}`).join(', ')}`);
    // An error answer goes through HttpExceptionFilter, which is written against Express's response.
    const client = new HttpClient(apps[adapter].url, 1);
    const refused = await client.get(GET_PATH, {}).finally(() => client.close());
    print(`${adapter}: GET ${GET_PATH} without a token answers ${refused.status} ${refused.error ?? refused.body.slice(0, 160)}`);
  }

  // Not reported: JIT, lazy metadata and pool connections of both apps.
  for (const route of routes) {
    for (const adapter of ADAPTERS) {
      const warm = await measure(loads[adapter], { ...route, requests: route.requests.slice(0, 500) });
      if (warm.errors > 0) {
        print(`${adapter}: ${route.name}: ${warm.errors} of 500 warm-up requests failed, e.g. ${warm.errorSample}`);
        return 1;
      }
    }
  }

  let failed = false;
  for (const route of routes) {
    print();
    print(`[${route.name}] ${route.requests.length} requests per phase, ${rounds} rounds`);
    const phases: Record<AdapterName, Phase[]> = { express: [], fastify: [] };
    for (let round = 0; round < rounds; round++) {
      const order: AdapterName[] = round % 2 === 0 ? ['express', 'fastify'] : ['fastify', 'express'];
      for (const adapter of order) phases[adapter].push(await measure(loads[adapter], route));
      const [e, f] = [phases.express[round], phases.fastify[round]];
      print(
        `  round ${round + 1} (${order.join(', ')}): ` +
          ADAPTERS.map((adapter) => {
            const p = phases[adapter][round];
            return `${adapter} ${p.requestsPerSecond.toFixed(0)} req/s, ${p.cpuMsPerRequest.toFixed(3)} ms CPU/req, p50 ${p.p50Ms.toFixed(1)}, p95 ${p.p95Ms.toFixed(1)} ms`;
          }).join(' | ') +
          ` | fastify÷express: req/s ${(f.requestsPerSecond / e.requestsPerSecond).toFixed(2)}, CPU/req ${(f.cpuMsPerRequest / e.cpuMsPerRequest).toFixed(2)}`,
      );
      for (const adapter of ADAPTERS) {
        const p = phases[adapter][round];
        if (p.errors > 0) {
          failed = true;
          print(`  ERRORS on ${adapter}: ${p.errors}, e.g. ${p.errorSample}`);
        }
      }
    }
    for (const adapter of ADAPTERS) {
      const list = phases[adapter];
      print(
        `  ${adapter.padEnd(7)} req/s ${range(list.map((p) => p.requestsPerSecond), 0)}, service CPU/req ${range(list.map((p) => p.cpuMsPerRequest), 3)} ms, ` +
          `p50 ${range(list.map((p) => p.p50Ms), 1)} ms, p95 ${range(list.map((p) => p.p95Ms), 1)} ms`,
      );
    }
    const ratios = phases.express.map((e, i) => ({ rps: phases.fastify[i].requestsPerSecond / e.requestsPerSecond, cpu: phases.fastify[i].cpuMsPerRequest / e.cpuMsPerRequest }));
    print(`  fastify÷express per round: req/s ${range(ratios.map((r) => r.rps), 2)}, service CPU per request ${range(ratios.map((r) => r.cpu), 2)}`);
  }
  return failed ? 1 : 0;
}

const cleanups: Array<() => Promise<void> | void> = [];
async function cleanup(): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      console.error(`cleanup failed: ${(error as Error).message}`);
    }
  }
}
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
void main(cleanups)
  .catch((error: Error) => {
    console.error(error.stack ?? error.message);
    return 1;
  })
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
