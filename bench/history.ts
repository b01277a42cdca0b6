/**
 * The "history" scenario of `npm run bench`: every history list of the service (keyset-paginated)
 * read through its real HTTP route against BENCH_HISTORY_ROWS (1 000 000) purchases, with the skew of
 * a real shop: one client with 5% of all rows, one profile with 10%, one moderator with 200 000
 * ledger transfers. Reports p50/p95/p99 per route and the plan of every SQL statement the route ran.
 *
 * The rows are bulk-loaded with INSERT … SELECT generate_series (not through the service), so:
 * - no purchase is `pending` (the service's reconciliation job would ask the Stripe emulator about
 *   made-up sessions during the measurement); completed, failed, expired and refunded are mixed;
 * - the bulk purchases have no ledger rows of their own and no interactions, so the ledger verifier
 *   would not pass on this database and is not run on it. What the routes read is kept consistent:
 *   every history moderator's cached `users.points` equals the balance of its `moderator:<id>` account.
 */
import { JwtService } from '@nestjs/jwt';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Logger, QueryRunner } from 'typeorm';
import { LedgerAccount, LedgerAccountSql } from '../src/points/ledger-accounts';
import { HttpClient, HttpResult, percentile } from './http-load';
import { LoadProcess, LoadRequest } from './load-process';
import { ProfileSummary, startProfile } from './profiler';
import { BENCH_JWT_SECRET, BenchService } from './service';

export interface HistoryConfig {
  rows: number;
  requests: number;
  concurrency: number;
  /** The deep page is the one reached after following this many nextCursors. */
  deepPages: number;
}

export interface HistoryCaseResult {
  name: string;
  route: string;
  requests: number;
  errors: number;
  errorSamples: string[];
  itemsPerPage: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p95 of the route's first round at the measured concurrency; the figures above are its second. */
  firstRoundP95Ms: number;
}

export interface PlanSummary {
  case: string;
  sql: string;
  /** Plan nodes, depth first: "Index Scan using ix_… on table", "Limit", … */
  nodes: string[];
  executionMs: number;
  sharedHit: number;
  sharedRead: number;
  rows: number;
  seqScans: string[];
}

export interface HistoryResult {
  rows: number;
  data: Record<string, number>;
  loadSeconds: number;
  cases: HistoryCaseResult[];
  plans: PlanSummary[];
  seqScansOnBigTables: string[];
  /** Every route's GETs again under the CPU profiler: the service's CPU per GET by layer. */
  profile?: ProfileSummary & { file: string; requests: number };
  ledger: string;
}

const CLIENTS = 20_000;
const PROFILES = 2_000;
const MODERATORS = 200;
/** Row g of the bulk load belongs to the hot client when g % 20 = 0 (5%), to the hot profile when g % 10 = 1 (10%). */
const HOT_CLIENT_EVERY = 20;
const HOT_PROFILE_EVERY = 10;
const HOT_MODERATOR_TRANSFERS = 200_000;
const OTHER_MODERATOR_TRANSFERS = 200_000;
/** One transfer in 50 of the hot moderator is a reversal (a debit of the moderator account). */
const REVERSAL_EVERY = 50;
/** Every 4th notification is the hot client's. */
const HOT_CLIENT_NOTIFICATIONS = 50_000;
const OTHER_NOTIFICATIONS = 3 * HOT_CLIENT_NOTIFICATIONS;
const WARMUP_REQUESTS = 10;
/** Tables whose sequential scan is a finding: they grow with the business. */
export const BIG_TABLES = ['profile_point_transactions', 'ledger_transfers', 'notifications', 'users', 'profiles', 'profile_client_interactions'];

const jwt = new JwtService({ secret: BENCH_JWT_SECRET, signOptions: { algorithm: 'HS256', expiresIn: '1h' } });

interface Seeded {
  clients: string[];
  profiles: string[];
  profileModerators: string[];
  moderators: string[];
  admin: string;
  counts: Record<string, number>;
}

/** A request of one case: every call may pick another caller (ordinary clients rotate). */
interface HistoryCase {
  name: string;
  route: string;
  request: (i: number) => { path: string; token: string };
  /** Items of a page, from the response body. */
  items: (body: unknown) => number;
}

export async function runHistory(
  db: Client,
  service: BenchService,
  loadProcess: LoadProcess,
  config: HistoryConfig,
  print: (line?: string) => void,
): Promise<HistoryResult> {
  const loadStarted = performance.now();
  const seeded = await load(db, config.rows, print);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  print(`  loaded in ${(loadSeconds).toFixed(1)} s (not timed): ${Object.entries(seeded.counts).map(([what, n]) => `${n} ${what}`).join(', ')}`);

  const http = new HttpClient(service.url, config.concurrency);
  try {
    const cases = await buildCases(http, seeded, config.deepPages);
    const results: HistoryCaseResult[] = [];
    const plans: PlanSummary[] = [];
    const shown = new Set<string>();
    // A service in production is warm. Every route's GETs once, mixed and untimed, before any route
    // is timed: the JIT optimises the shared paths (in the service and the load process), and the
    // garbage of the bulk load is collected, not left to pause the first route measured.
    await loadProcess.run(cases.flatMap((spec) => requestsOf(spec, config.requests)), config.concurrency);
    for (const spec of cases) {
      // Warm-up (JIT, pool, buffers) and one captured request whose SQL is explained below.
      for (let i = 0; i < WARMUP_REQUESTS; i++) await call(http, spec, i);
      const captured = await captureSql(service, () => call(http, spec, 0));
      // The route's first round at the measured concurrency is printed too (its p95), the second is the figure.
      const first = await measure(loadProcess, spec, config);
      const result = { ...(await measure(loadProcess, spec, config)), firstRoundP95Ms: first.p95Ms };
      results.push(result);
      print(
        `  ${spec.name.padEnd(34)} p50 ${result.p50Ms.toFixed(1).padStart(6)} ms  p95 ${result.p95Ms.toFixed(1).padStart(6)} ms  ` +
          `p99 ${result.p99Ms.toFixed(1).padStart(6)} ms  first round p95 ${result.firstRoundP95Ms.toFixed(1).padStart(6)} ms  (${result.itemsPerPage} items/page${result.errors > 0 ? `, ${result.errors} ERRORS` : ''})`,
      );
      for (const { sql, parameters } of captured) {
        const plan = await explain(db, spec.name, sql, parameters);
        plans.push(plan);
        const flag = plan.seqScans.length > 0 ? `  <-- SEQ SCAN on ${plan.seqScans.join(', ')}` : '';
        const key = `${plan.sql} ${plan.nodes.join()}`;
        if (shown.has(key) && plan.seqScans.length === 0) continue;
        shown.add(key);
        print(`      ${plan.executionMs.toFixed(2).padStart(8)} ms  ${plan.rows} rows  buffers hit ${plan.sharedHit} read ${plan.sharedRead}  ${plan.sql}`);
        print(`                   ${plan.nodes.join(' > ')}${flag}`);
      }
    }
    // Every route's GETs once more, under the profiler: where a GET's CPU goes, by layer (not timed).
    const everyCase = cases.flatMap((spec) => requestsOf(spec, config.requests));
    let stopProfile: ((file?: string) => Promise<ProfileSummary>) | undefined;
    await loadProcess.run(everyCase, config.concurrency, async () => {
      stopProfile = await startProfile();
    });
    const profileFile = join(__dirname, 'results', 'history.cpuprofile');
    const profile = { file: profileFile, requests: everyCase.length, ...(await stopProfile!(profileFile)) };
    const seqScansOnBigTables = [...new Set(plans.flatMap((plan) => plan.seqScans.map((table) => `${plan.case}: ${table}`)))];
    return {
      rows: config.rows,
      data: seeded.counts,
      loadSeconds,
      cases: results,
      plans,
      seqScansOnBigTables,
      profile,
      ledger:
        'bulk purchases have no ledger rows: the ledger verifier is not run on this database; ' +
        "each history moderator's users.points equals its moderator:<id> balance",
    };
  } finally {
    http.close();
  }
}

async function load(db: Client, rows: number, print: (line?: string) => void): Promise<Seeded> {
  await db.query(`SET maintenance_work_mem = '256MB'`);
  // Skips the foreign-key triggers of the bulk rows (their keys are built from the ids just inserted): a superuser setting.
  const replica = await db
    .query(`SET session_replication_role = replica`)
    .then(() => true)
    .catch(() => false);
  const tables = ['profile_point_transactions', 'ledger_transfers', 'notifications'];
  // Secondary indexes are dropped and rebuilt from their own definitions: much faster than 1M index inserts, same result.
  const { rows: indexes } = await db.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid = ANY($1::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
    [tables],
  );
  for (const index of indexes) await db.query(`DROP INDEX ${index.name}`);

  const users = async (role: string, count: number): Promise<string[]> => {
    const { rows: inserted } = await db.query<{ ids: string[] }>(
      `WITH inserted AS (
         INSERT INTO users (email, name, role)
         SELECT 'history-' || $1 || '-' || g || '-' || $3 || '@bench.test', 'History ' || $1 || ' ' || g, $1
           FROM generate_series(1, $2::int) AS g
         RETURNING id)
       SELECT array_agg(id ORDER BY id)::text[] AS ids FROM inserted`,
      [role, count, process.pid],
    );
    return inserted[0].ids;
  };
  const moderators = await users('moderator', MODERATORS);
  const clients = await users('client', CLIENTS);
  const [admin] = await users('admin', 1);
  // Profile i belongs to moderator 1 + (i - 1) % 200: the hot profile (the first) to the hot moderator (the first).
  const { rows: profileRows } = await db.query<{ ids: string[]; moderators: string[] }>(
    `WITH inserted AS (
       INSERT INTO profiles (name, moderator_id)
       SELECT 'History profile ' || g, ($1::bigint[])[1 + (g - 1) % cardinality($1::bigint[])]
         FROM generate_series(1, $2::int) AS g
       RETURNING id, moderator_id)
     SELECT array_agg(id ORDER BY id)::text[] AS ids, array_agg(moderator_id ORDER BY id)::text[] AS moderators FROM inserted`,
    [moderators, PROFILES],
  );
  const profiles = profileRows[0].ids;
  const profileModerators = profileRows[0].moderators;

  let started = performance.now();
  await db.query(`SELECT setseed(0.42)`);
  await db.query(
    `INSERT INTO profile_point_transactions
       (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, status, stripe_session_id, stripe_payment_id,
        refunded_points, failure_reason, credited_at, created_at, updated_at)
     SELECT ($1::bigint[])[ci], ($2::bigint[])[pi], ($3::bigint[])[pi], pack.code, pack.points, pack.cents, st.status,
            'cs_history_' || g, CASE WHEN st.status IN ('completed', 'refunded') THEN 'pi_history_' || g END,
            CASE WHEN st.status = 'refunded' THEN pack.points ELSE 0 END,
            CASE WHEN st.status = 'failed' THEN 'card_declined' END,
            CASE WHEN st.status IN ('completed', 'refunded') THEN ts + interval '1 minute' END, ts, ts
       FROM (SELECT g,
                    now() - interval '365 days' * (1 - g::float8 / $4) AS ts,
                    CASE WHEN g % ${HOT_CLIENT_EVERY} = 0 THEN 1 ELSE 2 + floor(random() * (cardinality($1::bigint[]) - 1))::int END AS ci,
                    CASE WHEN g % ${HOT_PROFILE_EVERY} = 1 THEN 1 ELSE 2 + floor(random() * (cardinality($2::bigint[]) - 1))::int END AS pi,
                    g % 3 AS p,
                    random() AS r
               FROM generate_series(1, $4::int) AS g) AS s
       CROSS JOIN LATERAL (SELECT CASE p WHEN 0 THEN '100' WHEN 1 THEN '500' ELSE '1000' END AS code,
                                  CASE p WHEN 0 THEN 100 WHEN 1 THEN 500 ELSE 1000 END AS points,
                                  CASE p WHEN 0 THEN 299 WHEN 1 THEN 999 ELSE 1699 END AS cents) AS pack
       CROSS JOIN LATERAL (SELECT CASE WHEN r < 0.88 THEN 'completed' WHEN r < 0.94 THEN 'failed'
                                       WHEN r < 0.98 THEN 'expired' ELSE 'refunded' END AS status) AS st`,
    [clients, profiles, profileModerators, rows],
  );
  print(`  ${rows} purchases inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  started = performance.now();
  // Interleaved like real traffic: even rows are the hot moderator's (attributions from platform:earnings, one in 50 a
  // reversal back), odd rows attributions of the other moderators.
  await db.query(
    `INSERT INTO ledger_transfers (transfer_key, kind, debit_account, credit_account, points, created_at)
     SELECT 'history:' || g || ':' || $4, t.kind, t.debit, t.credit, t.points, now() - interval '365 days' * (1 - g::float8 / ($2 + $3))
       FROM generate_series(1, $2::int + $3::int) AS g
      CROSS JOIN LATERAL (
        SELECT CASE WHEN g % 2 = 1 OR g % ${2 * REVERSAL_EVERY} <> 0 THEN 'attribution' ELSE 'reversal' END AS kind,
               ${LedgerAccountSql.moderator(`CASE WHEN g % 2 = 1 THEN ($1::bigint[])[2 + g % (cardinality($1::bigint[]) - 1)] ELSE ($1::bigint[])[1] END`)} AS account,
               CASE WHEN g % 2 = 0 AND g % ${2 * REVERSAL_EVERY} = 0 THEN 50 ELSE 100 END AS points) AS a
      CROSS JOIN LATERAL (
        SELECT a.kind, a.points,
               CASE WHEN a.kind = 'reversal' THEN a.account ELSE $5 END AS debit,
               CASE WHEN a.kind = 'reversal' THEN $5 ELSE a.account END AS credit) AS t`,
    [moderators, HOT_MODERATOR_TRANSFERS, OTHER_MODERATOR_TRANSFERS, process.pid, LedgerAccount.platformEarnings],
  );
  // The cache the route reads: users.points of a moderator is the balance of its ledger account.
  await db.query(
    `UPDATE users u SET points = b.balance
       FROM (SELECT ${LedgerAccountSql.moderatorIdOf('account')}::bigint AS id, sum(delta) AS balance
               FROM (SELECT credit_account AS account, points AS delta FROM ledger_transfers WHERE credit_account = ANY($1::text[])
                     UNION ALL
                     SELECT debit_account, -points FROM ledger_transfers WHERE debit_account = ANY($1::text[])) m
              GROUP BY account) b
      WHERE u.id = b.id`,
    [moderators.map((id) => LedgerAccount.moderator(id))],
  );
  // The hot client's notifications (every 4th row), one in ten unread, among three times as many for the other clients.
  await db.query(
    `INSERT INTO notifications (user_id, type, payload, event_id, read_at, created_at)
     SELECT CASE WHEN g % 4 = 0 THEN $1::bigint ELSE ($3::bigint[])[2 + g % (cardinality($3::bigint[]) - 1)] END,
            'purchase.completed', jsonb_build_object('transactionId', g::text, 'points', 100), gen_random_uuid(),
            CASE WHEN g % 10 = 0 THEN NULL ELSE now() END, now() - interval '365 days' * (1 - g::float8 / ($2 + $4))
       FROM generate_series(1, $2::int + $4::int) AS g`,
    [clients[0], HOT_CLIENT_NOTIFICATIONS, clients, OTHER_NOTIFICATIONS],
  );
  print(`  ledger transfers and notifications inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  started = performance.now();
  for (const index of indexes) await db.query(index.def);
  if (replica) await db.query(`SET session_replication_role = DEFAULT`);
  await db.query(`RESET maintenance_work_mem`);
  // What autovacuum would have done on a table that grew to this size: statistics and the visibility map.
  await db.query(`VACUUM (ANALYZE) users, profiles, profile_point_transactions, ledger_transfers, notifications`);
  // The load left the new tables' pages dirty: write them now, not while the first routes are timed.
  await db.query(`CHECKPOINT`);
  print(`  ${indexes.length} indexes rebuilt, VACUUM ANALYZE and CHECKPOINT in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const { rows: counts } = await db.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM profile_point_transactions)::int AS transactions,
            (SELECT count(*) FROM profile_point_transactions WHERE client_id = $1)::int AS "hot client transactions",
            (SELECT count(*) FROM profile_point_transactions WHERE profile_id = $2)::int AS "hot profile transactions",
            (SELECT count(*) FROM ledger_transfers)::int AS "ledger transfers",
            (SELECT count(*) FROM ledger_transfers WHERE credit_account = $3 OR debit_account = $3)::int AS "hot moderator transfers",
            (SELECT count(*) FROM notifications)::int AS notifications,
            (SELECT count(*) FROM users)::int AS users,
            (SELECT count(*) FROM profiles)::int AS profiles`,
    [clients[0], profiles[0], LedgerAccount.moderator(moderators[0])],
  );
  return { clients, profiles, profileModerators, moderators, admin, counts: counts[0] };
}

async function buildCases(http: HttpClient, seeded: Seeded, deepPages: number): Promise<HistoryCase[]> {
  const token = (id: string) => jwt.sign({ sub: id });
  const hotClient = token(seeded.clients[0]);
  const hotModerator = token(seeded.moderators[0]);
  const admin = token(seeded.admin);
  // Ordinary callers rotate over 200 of them (about 45 purchases per client, 450 per profile).
  const ordinaryClients = seeded.clients.slice(1, 201).map(token);
  const ordinaryProfiles = seeded.profiles.slice(1, 201).map((id, i) => ({ id, token: token(seeded.profileModerators[i + 1]) }));
  const hotProfile = seeded.profiles[0];
  const otherModerators = seeded.moderators.slice(1).map(token);
  const pageItems = (body: unknown) => (body as { items: unknown[] }).items.length;
  const earningItems = (body: unknown) => (body as { history: { items: unknown[] } }).history.items.length;
  const nextOf = (body: unknown) => (body as { nextCursor: string | null }).nextCursor;
  const earningsNextOf = (body: unknown) => (body as { history: { nextCursor: string | null } }).history.nextCursor;

  /** The cursor of page deepPages + 1, reached by following nextCursor like a client scrolling. */
  const deepCursor = async (path: string, bearer: string, next: (body: unknown) => string | null): Promise<string> => {
    let cursor: string | null = null;
    for (let page = 0; page < deepPages; page++) {
      const response = await http.get(cursor ? `${path}?cursor=${cursor}` : path, { Authorization: `Bearer ${bearer}` });
      if (response.status !== 200) throw new Error(`history: GET ${path} answered ${response.status} ${response.body.slice(0, 200)}`);
      cursor = next(JSON.parse(response.body));
      if (!cursor) break;
    }
    if (!cursor) throw new Error(`history: GET ${path} has fewer than ${deepPages + 1} pages`);
    return cursor;
  };

  const clientPath = '/profile-points/transactions/client';
  const profilePath = `/profile-points/transactions/profile/${hotProfile}`;
  const pointsPath = '/moderators/me/points';
  const fixed = (path: string, bearer: string) => () => ({ path, token: bearer });
  const deep = `page ${deepPages + 1}`;
  return [
    { name: 'client, hot: page 1', route: `GET ${clientPath}`, request: fixed(clientPath, hotClient), items: pageItems },
    {
      name: `client, hot: ${deep}`,
      route: `GET ${clientPath}?cursor`,
      request: fixed(`${clientPath}?cursor=${await deepCursor(clientPath, hotClient, nextOf)}`, hotClient),
      items: pageItems,
    },
    {
      name: 'client, ordinary: page 1',
      route: `GET ${clientPath}`,
      request: (i) => ({ path: clientPath, token: ordinaryClients[i % ordinaryClients.length] }),
      items: pageItems,
    },
    { name: 'profile, hot, moderator: page 1', route: 'GET /profile-points/transactions/profile/:profile', request: fixed(profilePath, hotModerator), items: pageItems },
    {
      name: `profile, hot, moderator: ${deep}`,
      route: 'GET /profile-points/transactions/profile/:profile?cursor',
      request: fixed(`${profilePath}?cursor=${await deepCursor(profilePath, hotModerator, nextOf)}`, hotModerator),
      items: pageItems,
    },
    { name: 'profile, hot, admin: page 1', route: 'GET /profile-points/transactions/profile/:profile', request: fixed(profilePath, admin), items: pageItems },
    {
      name: `profile, hot, admin: ${deep}`,
      route: 'GET /profile-points/transactions/profile/:profile?cursor',
      request: fixed(`${profilePath}?cursor=${await deepCursor(profilePath, admin, nextOf)}`, admin),
      items: pageItems,
    },
    {
      name: 'profile, ordinary, moderator: page 1',
      route: 'GET /profile-points/transactions/profile/:profile',
      request: (i) => {
        const profile = ordinaryProfiles[i % ordinaryProfiles.length];
        return { path: `/profile-points/transactions/profile/${profile.id}`, token: profile.token };
      },
      items: pageItems,
    },
    { name: 'moderator points, hot: page 1', route: `GET ${pointsPath}`, request: fixed(pointsPath, hotModerator), items: earningItems },
    {
      name: `moderator points, hot: ${deep}`,
      route: `GET ${pointsPath}?cursor`,
      request: fixed(`${pointsPath}?cursor=${await deepCursor(pointsPath, hotModerator, earningsNextOf)}`, hotModerator),
      items: earningItems,
    },
    {
      name: 'moderator points, ordinary: page 1',
      route: `GET ${pointsPath}`,
      request: (i) => ({ path: pointsPath, token: otherModerators[i % otherModerators.length] }),
      items: earningItems,
    },
    { name: 'notifications, hot client: page 1', route: 'GET /notifications', request: fixed('/notifications', hotClient), items: pageItems },
    {
      name: `notifications, hot client: ${deep}`,
      route: 'GET /notifications?cursor',
      request: fixed(`/notifications?cursor=${await deepCursor('/notifications', hotClient, nextOf)}`, hotClient),
      items: pageItems,
    },
    {
      name: 'notifications, hot, unread: page 1',
      route: 'GET /notifications?unread=true',
      request: fixed('/notifications?unread=true', hotClient),
      items: pageItems,
    },
  ];
}

async function call(http: HttpClient, spec: HistoryCase, i: number): Promise<HttpResult> {
  const { path, token } = spec.request(i);
  return http.get(path, { Authorization: `Bearer ${token}` });
}

function requestsOf(spec: HistoryCase, count: number): LoadRequest[] {
  return Array.from({ length: count }, (_, i): LoadRequest => {
    const { path, token } = spec.request(i);
    return { method: 'GET', path, headers: { Authorization: `Bearer ${token}` } };
  });
}

/** Timed from the load process: the GETs' sending and reading cost the service's event loop nothing. */
async function measure(loadProcess: LoadProcess, spec: HistoryCase, config: HistoryConfig): Promise<Omit<HistoryCaseResult, 'firstRoundP95Ms'>> {
  const { results: responses } = await loadProcess.run(requestsOf(spec, config.requests), config.concurrency);
  const ok = responses.filter((response) => response.status === 200);
  const failed = responses.filter((response) => response.status !== 200);
  const sorted = responses.map((response) => response.ms).sort((a, b) => a - b);
  return {
    name: spec.name,
    route: spec.route,
    requests: responses.length,
    errors: failed.length,
    errorSamples: failed.slice(0, 3).map((response) => response.error ?? `${response.status} ${response.body.slice(0, 200)}`),
    itemsPerPage: ok.length > 0 ? spec.items(JSON.parse(ok[0].body)) : 0,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1],
  };
}

/** The SELECTs the service's own connections ran while `run` was in flight (read from TypeORM's logger hook). */
async function captureSql(service: BenchService, run: () => Promise<unknown>): Promise<Array<{ sql: string; parameters: unknown[] }>> {
  const dataSource = service.db as unknown as { logger: Logger };
  const original = dataSource.logger;
  const captured: Array<{ sql: string; parameters: unknown[] }> = [];
  dataSource.logger = new Proxy(original, {
    get(target, property, receiver) {
      if (property === 'logQuery') {
        return (query: string, parameters?: unknown[], runner?: QueryRunner) => {
          if (/^\s*(\(\s*)?(SELECT|WITH)\b/i.test(query)) captured.push({ sql: query, parameters: parameters ?? [] });
          target.logQuery(query, parameters, runner);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  try {
    const response = (await run()) as HttpResult;
    if (response.status !== 200) throw new Error(`history: the captured request answered ${response.status} ${response.body.slice(0, 200)}`);
  } finally {
    dataSource.logger = original;
  }
  return captured;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

async function explain(db: Client, caseName: string, sql: string, parameters: unknown[]): Promise<PlanSummary> {
  const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
    parameters,
  );
  const [{ Plan: root, 'Execution Time': executionMs }] = rows[0]['QUERY PLAN'];
  const nodes: string[] = [];
  const seqScans: string[] = [];
  const walk = (node: PlanNode) => {
    let label = node['Node Type'];
    if (node['Index Name']) label += ` using ${node['Index Name']}`;
    if (node['Relation Name']) label += ` on ${node['Relation Name']}`;
    nodes.push(label);
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && BIG_TABLES.includes(node['Relation Name'])) seqScans.push(node['Relation Name']);
    node.Plans?.forEach(walk);
  };
  walk(root);
  return {
    case: caseName,
    sql: shortSql(sql),
    nodes,
    executionMs,
    sharedHit: root['Shared Hit Blocks'] ?? 0,
    sharedRead: root['Shared Read Blocks'] ?? 0,
    rows: root['Actual Rows'] ?? 0,
    seqScans,
  };
}

/** TypeORM's long select lists hidden: what matters for the plan is FROM … WHERE … ORDER BY … LIMIT. */
function shortSql(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  const from = flat.indexOf(' FROM ');
  const short = flat.startsWith('SELECT "') && from > 0 ? `SELECT … ${flat.slice(from + 1)}` : flat;
  return short.length > 220 ? `${short.slice(0, 219)}…` : short;
}
