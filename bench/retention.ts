/**
 * `npm run bench:retention`: how fast retention removes old rows, and what it costs the crediting
 * path. Each round seeds BENCH_RETENTION_ROWS old rows (half processed Stripe event ids, a third
 * published outbox events, the rest read notifications), then times purchases credited through the
 * real webhook path for BENCH_RETENTION_SECONDS with nothing removing (A), then again while a
 * retention run removes those rows with its default batches (B). A and B alternate within the run
 * (A first in odd rounds, B first in even ones, each B on freshly seeded rows), so that a change in
 * the shared machine's load hits both. Prints each round and the ranges over BENCH_RETENTION_RUNS.
 *
 * A purchase's crediting latency is the time from the emulator's payment to the service's 200 to
 * its webhook (the crediting transaction commits before the answer). BENCH_RETENTION_BUYERS buyers
 * (4) buy one after another, each with a moderator, profile and client of its own.
 *
 * Environment: DATABASE_URL (a server: a scratch database is created and dropped), else the local
 * default, else an embedded PostgreSQL; BENCH_RETENTION_ROWS (300 000), BENCH_RETENTION_RUNS (3),
 * BENCH_RETENTION_SECONDS (10), BENCH_RETENTION_BUYERS (4).
 */
import 'reflect-metadata';
import { JwtService } from '@nestjs/jwt';
import { Client } from 'pg';
import { RetentionService } from '../src/retention/retention.service';
import { createDatabase, databaseUrl, dropDatabase, redact, resolveServer, scratchName } from './database';
import { percentile } from './http-load';
import { BENCH_JWT_SECRET, BenchService, startService } from './service';
import { intEnv } from './env';

const log = (line: string) => process.stdout.write(`${line}\n`);
const jwt = new JwtService({ secret: BENCH_JWT_SECRET, signOptions: { algorithm: 'HS256', expiresIn: '2h' } });

interface Buyer {
  token: string;
  profileId: string;
}

interface Latencies {
  ms: number[];
  errors: number;
}

interface Round {
  without: Latencies;
  during: Latencies;
  removed: number;
  removalMs: number;
  batches: number;
}

async function createBuyers(service: BenchService, count: number): Promise<Buyer[]> {
  const buyers: Buyer[] = [];
  for (let i = 0; i < count; i++) {
    const [moderator] = await service.db.query<Array<{ id: string }>>(
      `INSERT INTO users (email, name, role) VALUES ($1, 'Bench moderator', 'moderator') RETURNING id`,
      [`bench-retention-moderator-${i}@bench.local`],
    );
    const [profile] = await service.db.query<Array<{ id: string }>>(`INSERT INTO profiles (name, moderator_id) VALUES ($1, $2) RETURNING id`, [
      `Bench profile ${i}`,
      moderator.id,
    ]);
    const [client] = await service.db.query<Array<{ id: string }>>(
      `INSERT INTO users (email, name, role) VALUES ($1, 'Bench client', 'client') RETURNING id`,
      [`bench-retention-client-${i}@bench.local`],
    );
    buyers.push({ token: jwt.sign({ sub: client.id, role: 'client' }), profileId: profile.id });
  }
  return buyers;
}

/** One purchase: checkout (not timed), then the payment's webhook, timed until the service answers. */
async function purchase(service: BenchService, buyer: Buyer, into: Latencies): Promise<void> {
  const response = await fetch(`${service.url}/profile-points/checkout`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${buyer.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ profile_id: buyer.profileId, pack: '100' }),
  });
  if (response.status !== 201) {
    into.errors += 1;
    return;
  }
  const { sessionId } = (await response.json()) as { sessionId: string };
  const started = performance.now();
  const deliveries = await service.emulator.paySession(sessionId);
  const ms = performance.now() - started;
  if (deliveries.length === 0 || deliveries.some((delivery) => delivery.status !== 200)) into.errors += 1;
  else into.ms.push(ms);
}

/** Every buyer buys, one purchase after another, until `done()` says stop. */
async function buyUntil(service: BenchService, buyers: Buyer[], done: () => boolean): Promise<Latencies> {
  const latencies: Latencies = { ms: [], errors: 0 };
  await Promise.all(
    buyers.map(async (buyer) => {
      while (!done()) await purchase(service, buyer, latencies);
    }),
  );
  return latencies;
}

async function seedOldRows(db: Client, rows: number, round: number, userId: string): Promise<void> {
  const stripe = Math.floor(rows / 2);
  const outbox = Math.floor(rows / 3);
  const notifications = rows - stripe - outbox;
  await db.query(
    `INSERT INTO stripe_events (id, type, stripe_created_at, outcome, processed_at)
     SELECT 'evt_bench_' || $2::int || '_' || g, 'checkout.session.completed', now() - interval '60 days', 'credited', now() - interval '60 days' + g * interval '1 ms'
       FROM generate_series(1, $1::int) g`,
    [stripe, round],
  );
  await db.query(
    `INSERT INTO outbox_events (type, payload, created_at, published_at)
     SELECT 'points.purchased', jsonb_build_object('transactionId', g::text, 'points', 100), now() - interval '30 days', now() - interval '30 days' + g * interval '1 ms'
       FROM generate_series(1, $1::int) g`,
    [outbox],
  );
  await db.query(
    `INSERT INTO notifications (user_id, type, payload, event_id, created_at, read_at)
     SELECT $2, 'payment.failed', jsonb_build_object('transactionId', g::text), gen_random_uuid(), now() - interval '300 days', now() - interval '299 days'
       FROM generate_series(1, $1::int) g`,
    [notifications, userId],
  );
  await db.query(`ANALYZE stripe_events, outbox_events, notifications`);
}

function summary(latencies: Latencies): string {
  const sorted = [...latencies.ms].sort((a, b) => a - b);
  return `${sorted.length} credited, p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(1)} ms, ${latencies.errors} errors`;
}

function range(values: number[], digits = 1): string {
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

async function main(): Promise<void> {
  const rows = intEnv('BENCH_RETENTION_ROWS', 300_000, 1000, 50_000_000);
  const runs = intEnv('BENCH_RETENTION_RUNS', 3, 1, 100);
  const seconds = intEnv('BENCH_RETENTION_SECONDS', 10, 1, 3600);
  const buyerCount = intEnv('BENCH_RETENTION_BUYERS', 4, 1, 256);
  const server = await resolveServer(process.env.BENCH_EMBEDDED === '1');
  const name = scratchName('retention');
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  await createDatabase(admin, name);
  log(`bench:retention — ${rows} old rows a round, ${runs} rounds, ${seconds} s without removal, ${buyerCount} buyers; PostgreSQL ${redact(server.url)} (${server.source}), scratch database ${name}`);
  const url = databaseUrl(server.url, name);
  const service = await startService(url);
  const db = new Client({ connectionString: url, application_name: 'bench-retention-seed' });
  await db.connect();
  const rounds: Round[] = [];
  try {
    const retention = service.app.get(RetentionService);
    // The run the service makes as it starts, over an empty database.
    await retention.run();
    const buyers = await createBuyers(service, buyerCount);
    const [{ id: userId }] = await service.db.query<Array<{ id: string }>>(`SELECT id FROM users ORDER BY id LIMIT 1`);
    // Warm-up: the first purchases pay for connections and caches.
    await buyUntil(service, buyers, (() => {
      const until = Date.now() + 2000;
      return () => Date.now() > until;
    })());

    for (let round = 1; round <= runs; round++) {
      const phaseA = async () => {
        const until = Date.now() + seconds * 1000;
        return buyUntil(service, buyers, () => Date.now() > until);
      };
      const phaseB = async () => {
        await seedOldRows(db, rows, round, userId);
        let removing = true;
        const started = performance.now();
        const removal = retention.run().finally(() => (removing = false));
        const during = await buyUntil(service, buyers, () => !removing);
        const result = await removal;
        return { during, result, removalMs: performance.now() - started };
      };
      let without: Latencies;
      let b: Awaited<ReturnType<typeof phaseB>>;
      if (round % 2 === 1) {
        without = await phaseA();
        b = await phaseB();
      } else {
        b = await phaseB();
        without = await phaseA();
      }
      const removed = Object.values(b.result.removed).reduce((sum, count) => sum + count, 0);
      rounds.push({ without, during: b.during, removed, removalMs: b.removalMs, batches: b.result.batches });
      log(
        `round ${round} (${round % 2 === 1 ? 'A then B' : 'B then A'}): removed ${removed} rows in ${b.result.batches} statements, ${(b.removalMs / 1000).toFixed(1)} s = ` +
          `${Math.round(removed / (b.removalMs / 1000))} rows/s\n  A without removal: ${summary(without)}\n  B during removal:  ${summary(b.during)}`,
      );
      if (removed !== rows || without.errors + b.during.errors > 0) process.exitCode = 1;
    }
  } finally {
    await db.end();
    await service.close();
    await dropDatabase(admin, name);
    await admin.end();
    await server.embedded?.stop();
  }
  const p = (latencies: Latencies, q: number) => percentile([...latencies.ms].sort((a, b) => a - b), q);
  log(`\nover ${runs} rounds:`);
  log(`  removal rate: ${range(rounds.map((round) => round.removed / (round.removalMs / 1000)), 0)} rows/s (batches of 1000, 20 ms pause)`);
  log(`  crediting p50: A ${range(rounds.map((round) => p(round.without, 50)))} ms, B ${range(rounds.map((round) => p(round.during, 50)))} ms`);
  log(`  crediting p95: A ${range(rounds.map((round) => p(round.without, 95)))} ms, B ${range(rounds.map((round) => p(round.during, 95)))} ms`);
  log(`  purchases credited per second: A ${range(rounds.map((round) => round.without.ms.length / seconds))}, B ${range(rounds.map((round) => round.during.ms.length / (round.removalMs / 1000)))}`);
}

main().catch((error: unknown) => {
  console.error('bench:retention failed:', error);
  process.exit(1);
});
