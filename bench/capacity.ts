/**
 * `npm run bench:capacity`: the per-instance figures of docs/capacity.md that `npm run bench` does
 * not give, on one instance of the service (in this process, relay on) with the load generator in
 * a process of its own (bench/load-process.ts):
 * - checkouts/s through POST /profile-points/checkout (the Stripe emulator answers in-process);
 * - credits/s: each purchase's signed checkout.session.completed delivered once;
 * - what PostgreSQL does per credit, counting the alerts the relay stores for it: rows inserted and
 *   updated per table, WAL bytes (pg_current_wal_lsn() before and after; and, where pg_walinspect
 *   is available, only the WAL records of this database and of the transactions that touched it,
 *   since other databases on a shared server write WAL too), heap, index and TOAST growth per table;
 * - storage per purchase per table, as written and after VACUUM FULL;
 * - reads/s and p50/p99 of the history routes and of the moderators' monthly statement, GETs at a
 *   fixed concurrency (each route twice: a warming round, then the measured one).
 *
 * Environment: DATABASE_URL (a server: a scratch database is created and dropped; else the local
 * default, else an embedded PostgreSQL), BENCH_CAPACITY_PURCHASES (4000), BENCH_CAPACITY_MODERATORS
 * (50), BENCH_CAPACITY_READS (2000 per route), BENCH_CAPACITY_CONCURRENCY (16: checkouts and reads),
 * BENCH_CAPACITY_WEBHOOK_CONCURRENCY (32). Results: bench/results/capacity.json.
 */
import 'reflect-metadata';
import { JwtService } from '@nestjs/jwt';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, redact, resolveServer, scratchName } from './database';
import { HttpResult, percentile } from './http-load';
import { LoadProcess, LoadRequest, LoadRun } from './load-process';
import { BENCH_JWT_SECRET, startService } from './service';
import { intEnv } from './env';

const print = (line = '') => process.stdout.write(`${line}\n`);
const jwt = new JwtService({ secret: BENCH_JWT_SECRET, signOptions: { algorithm: 'HS256', expiresIn: '6h' } });
/** A client may hold at most 10 open checkouts, and every checkout is made before any is paid. */
const CHECKOUTS_PER_CLIENT = 8;
const TABLES = [
  'profile_point_transactions',
  'stripe_events',
  'ledger_transfers',
  'point_lots',
  'point_lot_entries',
  'profile_client_interactions',
  'users',
  'outbox_events',
  'notifications',
  'platform_events',
];

interface Config {
  purchases: number;
  moderators: number;
  reads: number;
  concurrency: number;
  webhookConcurrency: number;
}

interface Phase {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

interface TableSnapshot {
  rows: number;
  inserted: number;
  updated: number;
  heap: number;
  indexes: number;
  toast: number;
}

function readConfig(): Config {
  return {
    purchases: intEnv('BENCH_CAPACITY_PURCHASES', 4000, 100, 200_000),
    moderators: intEnv('BENCH_CAPACITY_MODERATORS', 50, 1, 10_000),
    reads: intEnv('BENCH_CAPACITY_READS', 2000, 10, 1_000_000),
    concurrency: intEnv('BENCH_CAPACITY_CONCURRENCY', 16, 1, 256),
    webhookConcurrency: intEnv('BENCH_CAPACITY_WEBHOOK_CONCURRENCY', 32, 1, 256),
  };
}

function phase(run: LoadRun, ok: (result: HttpResult) => boolean): Phase {
  const latencies = run.results.map((result) => result.ms).sort((a, b) => a - b);
  return {
    requests: run.results.length,
    errors: run.results.filter((result) => !ok(result)).length,
    perSecond: run.results.length / (run.elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

const formatPhase = (name: string, result: Phase) =>
  `  ${name.padEnd(44)} ${result.perSecond.toFixed(1).padStart(8)}/s  p50 ${result.p50Ms.toFixed(1).padStart(6)} ms  p99 ${result.p99Ms.toFixed(1).padStart(6)} ms` +
  (result.errors > 0 ? `  ERRORS ${result.errors}/${result.requests}` : '');

async function tables(db: Client): Promise<Map<string, TableSnapshot>> {
  // An idle backend flushes its table statistics within 10 s (PostgreSQL 15's PGSTAT_IDLE_INTERVAL):
  // a pause past that, then a fresh snapshot.
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ name: string; rows: string; inserted: string; updated: string; heap: string; indexes: string; total: string }>(
    `SELECT c.relname AS name, s.n_live_tup AS rows, s.n_tup_ins AS inserted, s.n_tup_upd AS updated,
            pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes, pg_total_relation_size(c.oid) AS total
       FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE c.relname = ANY($1)`,
    [TABLES],
  );
  return new Map(
    rows.map((row) => [
      row.name,
      {
        rows: Number(row.rows),
        inserted: Number(row.inserted),
        updated: Number(row.updated),
        heap: Number(row.heap),
        indexes: Number(row.indexes),
        toast: Number(row.total) - Number(row.heap) - Number(row.indexes),
      },
    ]),
  );
}

async function otherCommits(db: Client): Promise<number> {
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ n: string }>(`SELECT coalesce(sum(xact_commit), 0) AS n FROM pg_stat_database WHERE datname IS DISTINCT FROM current_database()`);
  return Number(rows[0].n);
}

async function main(): Promise<void> {
  const config = readConfig();
  const server = await resolveServer(process.env.BENCH_EMBEDDED === '1');
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  const name = scratchName('capacity');
  await createDatabase(admin, name);
  const url = databaseUrl(server.url, name);
  const db = new Client({ connectionString: url });
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let load: LoadProcess | undefined;
  try {
    service = await startService(url);
    load = await LoadProcess.start(service.url);
    await db.connect();
    const { rows: version } = await db.query<{ server_version: string }>('SHOW server_version');
    print(`bench:capacity — PostgreSQL ${version[0].server_version} at ${redact(server.url)} (${server.source}); load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
    print(`  ${config.purchases} purchases over ${config.moderators} moderators' profiles; reads ${config.reads} per route at concurrency ${config.concurrency}`);

    const clientCount = Math.ceil(config.purchases / CHECKOUTS_PER_CLIENT);
    const insertUsers = async (role: string, count: number) =>
      (
        await db.query<{ id: string }>(
          `INSERT INTO users (email, name, role) SELECT $1 || '-' || g || '@capacity.bench', 'Bench ' || $1, $1 FROM generate_series(1, $2::int) g RETURNING id`,
          [role, count],
        )
      ).rows.map((row) => row.id);
    const moderators = await insertUsers('moderator', config.moderators);
    const clients = await insertUsers('client', clientCount);
    const { rows: profiles } = await db.query<{ id: string; moderator_id: string }>(
      `INSERT INTO profiles (name, moderator_id) SELECT 'Capacity ' || m.n, m.id FROM unnest($1::bigint[]) WITH ORDINALITY AS m(id, n) RETURNING id, moderator_id`,
      [moderators],
    );
    const clientTokens = clients.map((id) => jwt.sign({ sub: id, role: 'client' }));
    const moderatorTokens = new Map(moderators.map((id) => [id, jwt.sign({ sub: id, role: 'moderator' })]));

    // Checkouts: client i buys for profile i (mod profiles), so every client has purchases on few profiles.
    const checkoutRequests: LoadRequest[] = Array.from({ length: config.purchases }, (_, i) => ({
      method: 'POST',
      path: '/profile-points/checkout',
      body: JSON.stringify({ profile_id: profiles[i % profiles.length].id, pack: '100' }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${clientTokens[i % clientTokens.length]}` },
    }));
    const { rows: checkoutLsnBefore } = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const checkoutRun = await load.run(checkoutRequests, config.concurrency);
    const { rows: checkoutWal } = await db.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS bytes`, [checkoutLsnBefore[0].lsn]);
    const checkouts = phase(checkoutRun, (result) => result.status === 201);
    print(formatPhase('checkouts (POST /profile-points/checkout)', checkouts));
    const checkoutWalBytes = Number(checkoutWal[0].bytes) / Math.max(1, config.purchases - checkouts.errors);
    print(`  WAL per checkout: ${checkoutWalBytes.toFixed(0)} bytes by the server's LSN`);
    const created = checkoutRun.results.filter((result) => result.status === 201).map((result) => JSON.parse(result.body) as { sessionId: string; transactionId: string });

    const emulator = service.emulator;
    const now = Math.floor(Date.now() / 1000);
    const events = created.map(({ sessionId }, i) => {
      const session = emulator.getSession(sessionId)!;
      return JSON.stringify({
        id: `evt_capacity_${process.pid}_${i}`,
        object: 'event',
        livemode: false,
        type: 'checkout.session.completed',
        created: now,
        data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${sessionId}` } },
      });
    });
    const webhookRequests: LoadRequest[] = events.map((payload) => ({
      method: 'POST',
      path: '/stripe/webhook',
      body: payload,
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': emulator.signPayload(payload) },
    }));

    const walinspect = await db
      .query('CREATE EXTENSION IF NOT EXISTS pg_walinspect')
      .then(() => true)
      .catch(() => false);
    const before = await tables(db);
    const othersBefore = await otherCommits(db);
    const { rows: lsnBefore } = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const creditRun = await load.run(webhookRequests, config.webhookConcurrency);
    const credits = phase(creditRun, (result) => result.status === 200);
    // The alerts are part of a credit's cost: wait for the relay to store and publish them.
    for (;;) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`);
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { rows: lsnAfter } = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const after = await tables(db);
    const othersDuring = (await otherCommits(db)) - othersBefore;
    print(formatPhase('credits (POST /stripe/webhook, once each)', credits));

    const { rows: completed } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM profile_point_transactions WHERE status = 'completed'`);
    const n = completed[0].n;
    const { rows: walRows } = await db.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn) AS bytes`, [lsnBefore[0].lsn, lsnAfter[0].lsn]);
    const walBytes = Number(walRows[0].bytes);
    let ownWalBytes: number | null = null;
    let fpiBytes: number | null = null;
    let walinspectFailure: string | undefined;
    if (walinspect) {
      // On a busy shared server the range may already be recycled (other databases' WAL counts toward max_wal_size).
      const { rows } = await db.query<{ bytes: string; fpi: string }>(
        `WITH r AS (SELECT xid, record_length, fpi_length, block_ref FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)),
              ours AS (SELECT DISTINCT xid FROM r WHERE block_ref ~ ('rel \\d+/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/'))
         SELECT coalesce(sum(record_length), 0) AS bytes, coalesce(sum(fpi_length), 0) AS fpi FROM r
          WHERE xid IN (SELECT xid FROM ours WHERE xid <> '0'::xid)
             OR block_ref ~ ('rel \\d+/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/')`,
        [lsnBefore[0].lsn, lsnAfter[0].lsn],
      ).catch((error: Error) => {
        walinspectFailure = error.message;
        return { rows: [] };
      });
      if (rows.length > 0) {
        ownWalBytes = Number(rows[0].bytes);
        fpiBytes = Number(rows[0].fpi);
      }
    }
    print(`  completed purchases: ${n}/${config.purchases}`);
    print(
      `  WAL per credit: ${(walBytes / n).toFixed(0)} bytes by the server's LSN` +
        (ownWalBytes !== null ? `, ${(ownWalBytes / n).toFixed(0)} bytes in this database's records (${((100 * (fpiBytes ?? 0)) / Math.max(1, ownWalBytes)).toFixed(0)}% full-page images)` : ` (pg_walinspect: ${walinspectFailure ?? 'unavailable'})`) +
        `; other databases committed ${othersDuring} transactions meanwhile`,
    );
    const perCredit = TABLES.filter((table) => before.has(table) && after.has(table)).map((table) => {
      const [b, a] = [before.get(table)!, after.get(table)!];
      return {
        table,
        insertedPerCredit: (a.inserted - b.inserted) / n,
        updatedPerCredit: (a.updated - b.updated) / n,
        heapBytesPerCredit: (a.heap - b.heap) / n,
        indexBytesPerCredit: (a.indexes - b.indexes) / n,
        toastBytesPerCredit: (a.toast - b.toast) / n,
        totalBytesAfter: a.heap + a.indexes + a.toast,
        rowsAfter: a.rows,
      };
    });
    print(`  per credit (alerts included):  ${'table'.padEnd(28)} inserted updated  heap B  index B  toast B`);
    for (const row of perCredit) {
      print(
        `  ${''.padEnd(30)} ${row.table.padEnd(28)} ${row.insertedPerCredit.toFixed(2).padStart(8)} ${row.updatedPerCredit.toFixed(2).padStart(7)} ` +
          `${row.heapBytesPerCredit.toFixed(0).padStart(7)} ${row.indexBytesPerCredit.toFixed(0).padStart(8)} ${row.toastBytesPerCredit.toFixed(0).padStart(8)}`,
      );
    }
    const sum = (pick: (row: (typeof perCredit)[number]) => number) => perCredit.reduce((total, row) => total + pick(row), 0);
    print(
      `  total per credit: ${sum((row) => row.insertedPerCredit).toFixed(2)} rows inserted, ${sum((row) => row.updatedPerCredit).toFixed(2)} updated, ` +
        `${(sum((row) => row.heapBytesPerCredit + row.indexBytesPerCredit + row.toastBytesPerCredit) / 1024).toFixed(2)} KB of tables and indexes`,
    );

    // Reads: the history routes and the statement, as their callers, spread over the callers.
    const month = new Date().toISOString().slice(0, 7);
    const byModerator = profiles.map((profile) => ({ profile: profile.id, token: moderatorTokens.get(profile.moderator_id)! }));
    const routes: Array<{ name: string; request: (i: number) => { path: string; token: string } }> = [
      { name: 'GET /profile-points/transactions/client', request: (i) => ({ path: '/profile-points/transactions/client', token: clientTokens[i % clientTokens.length] }) },
      {
        name: 'GET /profile-points/transactions/profile/:profile',
        request: (i) => ({ path: `/profile-points/transactions/profile/${byModerator[i % byModerator.length].profile}`, token: byModerator[i % byModerator.length].token }),
      },
      { name: 'GET /moderators/me/statements/:month', request: (i) => ({ path: `/moderators/me/statements/${month}`, token: byModerator[i % byModerator.length].token }) },
      { name: 'GET /moderators/me/points', request: (i) => ({ path: '/moderators/me/points', token: byModerator[i % byModerator.length].token }) },
    ];
    const reads: Record<string, Phase> = {};
    for (const route of routes) {
      const requests: LoadRequest[] = Array.from({ length: config.reads }, (_, i) => {
        const { path, token } = route.request(i);
        return { method: 'GET', path, headers: { Authorization: `Bearer ${token}` } };
      });
      await load.run(requests.slice(0, Math.min(requests.length, 200)), config.concurrency);
      reads[route.name] = phase(await load.run(requests, config.concurrency), (result) => result.status === 200);
      print(formatPhase(route.name, reads[route.name]));
    }

    // Storage per purchase, checkout included: the tables as written (dead row versions of the
    // updates included, which VACUUM lets later rows reuse) and rewritten compactly (VACUUM FULL,
    // fresh indexes): the steady state lies between the two.
    const written = await tables(db);
    for (const table of TABLES) await db.query(`VACUUM FULL ${table}`);
    const compact = await tables(db);
    const storage = TABLES.filter((table) => written.has(table) && compact.has(table)).map((table) => {
      const [w, c] = [written.get(table)!, compact.get(table)!];
      return { table, writtenBytesPerPurchase: (w.heap + w.indexes + w.toast) / n, compactBytesPerPurchase: (c.heap + c.indexes + c.toast) / n };
    });
    print(`  storage per purchase (all ${n}, checkout included):  ${'table'.padEnd(28)} as written B  compact B`);
    for (const row of storage) {
      print(`  ${''.padEnd(50)} ${row.table.padEnd(28)} ${row.writtenBytesPerPurchase.toFixed(0).padStart(12)} ${row.compactBytesPerPurchase.toFixed(0).padStart(10)}`);
    }

    const result = {
      at: new Date().toISOString(),
      postgres: version[0].server_version,
      server: server.source,
      loadAverage: loadavg(),
      config,
      checkouts,
      walBytesPerCheckout: checkoutWalBytes,
      credits,
      completed: n,
      walBytesPerCredit: walBytes / n,
      ownWalBytesPerCredit: ownWalBytes === null ? null : ownWalBytes / n,
      fullPageImageShare: ownWalBytes === null || fpiBytes === null ? null : fpiBytes / ownWalBytes,
      otherDatabaseCommitsDuringCredits: othersDuring,
      perCredit,
      reads,
      storage,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'capacity.json'), `${JSON.stringify(result, null, 2)}\n`);
    print('results written to bench/results/capacity.json');
  } finally {
    load?.close();
    await service?.close().catch(() => undefined);
    await db.end().catch(() => undefined);
    await dropDatabase(admin, name).catch((error: Error) => print(`could not drop ${name}: ${error.message}`));
    await admin.end();
    await server.embedded?.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
