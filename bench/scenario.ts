import { JwtService } from '@nestjs/jwt';
import { cpus } from 'node:os';
import { Client } from 'pg';
import { HttpClient, HttpResult, percentile, runPool, shuffle } from './http-load';
import { CpuSplit, startCpuMeter } from './cpu';
import { LoadProcess, LoadRequest } from './load-process';
import { ProfileSummary, startProfile } from './profiler';
import { startWaitSampler } from './waits';
import { BENCH_JWT_SECRET, BenchService } from './service';

export interface ScenarioSpec {
  name: string;
  /** Goes into seeded e-mails and event ids, so scenarios of one run never collide. */
  key: string;
  purchases: number;
  moderators: number;
  profiles: number;
  clients: number;
}

export interface PreparedScenario {
  spec: ScenarioSpec;
  transactionIds: string[];
  moderatorIds: string[];
  eventIds: string[];
  payloads: string[];
  pointsSold: number;
  checkoutSeconds: number;
}

export interface ScenarioResult {
  name: string;
  purchases: number;
  deliveries: number;
  elapsedMs: number;
  deliveriesPerSecond: number;
  creditsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  errorSamples: string[];
  outcomes: Record<string, number>;
  /** Outbox events still unpublished when the last delivery was answered: work the relay is behind on. */
  outboxBacklog: number;
  outboxDrainSeconds: number | null;
  cpu: CpuSplit;
  /** Busy CPU of the whole machine per credit (service, load generator, PostgreSQL, anything else), comparable to pgbench's per transaction. */
  machineCpuMsPerCredit: number | null;
  /** What the service's database connections were doing, as shares of all samples. */
  backendStates: Array<{ state: string; share: number }>;
  /** When profiled: where the phase's CPU profile went, its top self-time functions and its split by layer. */
  profile?: PhaseProfile;
  verified: boolean;
  problems: string[];
}

const PACK_CODES = ['100', '500', '1000'];
const OUTBOX_POLLS = 300;
const OUTBOX_POLL_MS = 200;

const jwt = new JwtService({ secret: BENCH_JWT_SECRET, signOptions: { algorithm: 'HS256', expiresIn: '1h' } });

/** Users and profiles straight into the tables (as test/factories does), then purchases through the real route. */
export async function prepareScenario(
  db: Client,
  service: BenchService,
  spec: ScenarioSpec,
  concurrency: number,
  packPoints: ReadonlyMap<string, number>,
): Promise<PreparedScenario> {
  const moderatorIds = await insertUsers(db, spec.key, 'moderator', spec.moderators);
  const clientIds = await insertUsers(db, spec.key, 'client', spec.clients);
  const { rows: profiles } = await db.query<{ id: string }>(
    `INSERT INTO profiles (name, moderator_id)
     SELECT 'Bench profile ' || g, ($1::bigint[])[1 + (g - 1) % cardinality($1::bigint[])]
       FROM generate_series(1, $2::int) AS g
     RETURNING id`,
    [moderatorIds, spec.profiles],
  );
  const tokens = clientIds.map((id) => jwt.sign({ sub: id, role: 'client' }));

  const http = new HttpClient(service.url, concurrency);
  const started = performance.now();
  const purchases = await runPool(Array.from({ length: spec.purchases }, (_, i) => i), concurrency, async (i) => {
    const pack = PACK_CODES[i % PACK_CODES.length];
    const response = await http.post('/profile-points/checkout', JSON.stringify({ profile_id: profiles[i % profiles.length].id, pack }), {
      Authorization: `Bearer ${tokens[i % tokens.length]}`,
    });
    if (response.status !== 201) throw new Error(`${spec.name}: checkout ${i} answered ${describeResult(response)}`);
    const body = JSON.parse(response.body) as { sessionId: string; transactionId: string };
    return { ...body, pack };
  }).finally(() => http.close());
  const checkoutSeconds = (performance.now() - started) / 1000;

  const created = Math.floor(Date.now() / 1000);
  const eventIds: string[] = [];
  const payloads = purchases.map(({ sessionId }, i) => {
    const session = service.emulator.getSession(sessionId);
    if (!session) throw new Error(`${spec.name}: the emulator has no session ${sessionId}`);
    const id = `evt_bench_${process.pid}_${spec.key}_${i}`;
    eventIds.push(id);
    // The event Stripe sends once the customer has paid: built like test/support/webhooks.ts does.
    return JSON.stringify({
      id,
      object: 'event',
      livemode: false,
      type: 'checkout.session.completed',
      created,
      data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${sessionId}` } },
    });
  });

  return {
    spec,
    transactionIds: purchases.map((purchase) => purchase.transactionId),
    moderatorIds,
    eventIds,
    payloads,
    pointsSold: purchases.reduce((sum, { pack }) => sum + (packPoints.get(pack) ?? Number.NaN), 0),
    checkoutSeconds,
  };
}

/** The timed phase: every event twice, shuffled, `concurrency` requests always in flight. */
export async function deliverScenario(
  db: Client,
  service: BenchService,
  load: LoadProcess,
  prepared: PreparedScenario,
  concurrency: number,
  profileFile?: string,
): Promise<ScenarioResult> {
  // Signed now rather than at checkout time so that a slow setup can never push them past the tolerance.
  const signed = prepared.payloads.map((payload) => ({ payload, signature: service.emulator.signPayload(payload) }));
  const deliveries = shuffle([...signed, ...signed]);

  // Same starting point for every scenario: fresh statistics, and no checkpoint debt from the setup.
  await db.query('ANALYZE');
  await db.query('CHECKPOINT').catch(() => undefined);

  let stopProfile: ((file?: string) => Promise<ProfileSummary>) | undefined;
  let stopCpuMeter: (() => Promise<CpuSplit>) | undefined;
  let stopWaitSampler: (() => Promise<Array<{ state: string; share: number }>>) | undefined;
  const { results, elapsedMs } = await load.run(deliveries.map(webhookRequest), concurrency, async () => {
    stopProfile = profileFile ? await startProfile() : undefined;
    stopCpuMeter = await startCpuMeter(() => serverPids(db), load.pid);
    stopWaitSampler = startWaitSampler(db);
  });
  const backendStates = await stopWaitSampler!();
  const cpu = await stopCpuMeter!();
  const profile = profileFile && stopProfile ? { file: profileFile, ...(await stopProfile(profileFile)) } : undefined;

  const { rows: backlog } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`);

  const failures = results.filter((result) => result.status < 200 || result.status > 299);
  const outcomes: Record<string, number> = {};
  for (const result of results) {
    const outcome = result.status >= 200 && result.status <= 299 ? outcomeOf(result.body) : `http ${result.status || 'error'}`;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  const latencies = results.map((result) => result.ms).sort((a, b) => a - b);
  const problems = await verify(db, prepared);
  const outboxDrainSeconds = await waitForOutbox(db);

  return {
    name: prepared.spec.name,
    purchases: prepared.spec.purchases,
    deliveries: deliveries.length,
    elapsedMs,
    deliveriesPerSecond: deliveries.length / (elapsedMs / 1000),
    creditsPerSecond: prepared.spec.purchases / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1],
    errors: failures.length,
    errorSamples: failures.slice(0, 5).map(describeResult),
    outcomes,
    outboxBacklog: backlog[0].n,
    outboxDrainSeconds,
    cpu,
    machineCpuMsPerCredit: cpu.machineSeconds === null ? null : (cpu.machineSeconds * 1000) / prepared.spec.purchases,
    backendStates,
    profile,
    verified: problems.length === 0,
    problems,
  };
}

export interface CeilingResult {
  deliveries: number;
  elapsedMs: number;
  deliveriesPerSecond: number;
  /** Two deliveries per credit, as in the credit scenarios: the most credits/s this path could give. */
  creditsPerSecond: number;
  /** CPU of the whole machine per credit's two deliveries (service, load generator, PostgreSQL and everything else). */
  cpuMsPerCredit: number | null;
  /** The same at every core busy on nothing else: what even a perfectly parallel service could not exceed. */
  cpuBoundCreditsPerSecond: number | null;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  errorSamples: string[];
  cpu: CpuSplit;
  profile?: PhaseProfile;
}

export type PhaseProfile = ProfileSummary & { file: string };

/** A type Stripe sends that the service acknowledges as "ignored" without opening a transaction. */
const IGNORED_EVENT_TYPE = 'payment_intent.created';

/**
 * The credit scenario's deliveries minus the database: the same signed bodies (same size, same
 * session object), the same route, guard and load generator, but of an event type the service
 * answers "ignored" without a query. What the machine can do before any credit is written.
 */
export async function deliverCeiling(
  db: Client,
  service: BenchService,
  load: LoadProcess,
  prepared: PreparedScenario,
  concurrency: number,
  profileFile?: string,
): Promise<CeilingResult> {
  const signed = prepared.payloads.map((payload, i) => {
    const event = JSON.parse(payload) as { id: string; type: string };
    const ignored = JSON.stringify({ ...event, id: `${event.id}_ceiling_${i}`, type: IGNORED_EVENT_TYPE });
    return { payload: ignored, signature: service.emulator.signPayload(ignored) };
  });
  const deliveries = shuffle([...signed, ...signed]);

  let stopProfile: ((file?: string) => Promise<ProfileSummary>) | undefined;
  let stopCpuMeter: (() => Promise<CpuSplit>) | undefined;
  const { results, elapsedMs } = await load.run(deliveries.map(webhookRequest), concurrency, async () => {
    stopProfile = profileFile ? await startProfile() : undefined;
    stopCpuMeter = await startCpuMeter(() => serverPids(db), load.pid);
  });
  const cpu = await stopCpuMeter!();
  const profile = profileFile && stopProfile ? { file: profileFile, ...(await stopProfile(profileFile)) } : undefined;

  const failures = results.filter((result) => result.status !== 200 || outcomeOf(result.body) !== 'ignored');
  const latencies = results.map((result) => result.ms).sort((a, b) => a - b);
  const deliveriesPerSecond = deliveries.length / (elapsedMs / 1000);
  const credits = deliveries.length / 2;
  const cpuMsPerCredit = cpu.machineSeconds === null ? null : (cpu.machineSeconds * 1000) / credits;
  return {
    deliveries: deliveries.length,
    elapsedMs,
    deliveriesPerSecond,
    creditsPerSecond: deliveriesPerSecond / 2,
    cpuMsPerCredit,
    cpuBoundCreditsPerSecond: cpuMsPerCredit === null ? null : (cpus().length * 1000) / cpuMsPerCredit,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: failures.length,
    errorSamples: failures.slice(0, 5).map(describeResult),
    cpu,
    profile,
  };
}

function webhookRequest(delivery: { payload: string; signature: string }): LoadRequest {
  return { method: 'POST', path: '/stripe/webhook', body: delivery.payload, headers: { 'Stripe-Signature': delivery.signature } };
}

async function verify(db: Client, prepared: PreparedScenario): Promise<string[]> {
  const n = prepared.transactionIds.length;
  const problems: string[] = [];

  const { rows: status } = await db.query<{ completed: number; total: number }>(
    `SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed, count(*)::int AS total
       FROM profile_point_transactions WHERE id = ANY($1::bigint[])`,
    [prepared.transactionIds],
  );
  if (status[0].completed !== n) problems.push(`${status[0].completed} of ${n} transactions are completed`);

  const { rows: points } = await db.query<{ points: string }>(`SELECT coalesce(sum(points), 0)::bigint AS points FROM users WHERE id = ANY($1::bigint[])`, [
    prepared.moderatorIds,
  ]);
  if (Number(points[0].points) !== prepared.pointsSold) {
    problems.push(`the moderators hold ${points[0].points} points, ${prepared.pointsSold} were sold`);
  }

  const { rows: ledger } = await db.query<{ rows: number; off: number }>(
    `SELECT coalesce(sum(n), 0)::int AS rows, count(*) FILTER (WHERE n <> 2)::int AS off
       FROM (SELECT count(l.id) AS n
               FROM unnest($1::bigint[]) AS t(id)
               LEFT JOIN ledger_transfers l ON l.transaction_id = t.id
              GROUP BY t.id) per_purchase`,
    [prepared.transactionIds],
  );
  if (ledger[0].rows !== 2 * n || ledger[0].off !== 0) {
    problems.push(`the ledger has ${ledger[0].rows} rows for ${n} purchases (want ${2 * n}); ${ledger[0].off} purchases do not have exactly 2`);
  }

  const { rows: events } = await db.query<{ credited: number; total: number }>(
    `SELECT count(*) FILTER (WHERE outcome = 'credited')::int AS credited, count(*)::int AS total FROM stripe_events WHERE id = ANY($1::text[])`,
    [prepared.eventIds],
  );
  if (events[0].total !== n || events[0].credited !== n) {
    problems.push(`stripe_events recorded ${events[0].total} of ${n} events, ${events[0].credited} credited`);
  }
  return problems;
}

/**
 * Lets the relay publish what the phase left behind, so the next scenario does not pay for this
 * one's notifications. Returns null when the backlog did not drain within the bound.
 */
async function waitForOutbox(db: Client): Promise<number | null> {
  const started = performance.now();
  for (let poll = 0; poll < OUTBOX_POLLS; poll++) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`);
    if (rows[0].n === 0) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, OUTBOX_POLL_MS));
  }
  return null;
}

/** The service database's backends and the server's own processes (WAL writer, checkpointer…), not other databases'. */
async function serverPids(db: Client): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE (datname = current_database() OR datname IS NULL) AND pid <> pg_backend_pid()`,
  );
  return rows.map((row) => row.pid);
}

async function insertUsers(db: Client, key: string, role: 'client' | 'moderator', count: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (email, name, role)
     SELECT format('bench-%s-%s-%s-%s@bench.local', $1::text, $2::text, $3::text, g), 'Bench ' || $3::text, $3::text
       FROM generate_series(1, $4::int) AS g
     RETURNING id`,
    [process.pid, key, role, count],
  );
  return rows.map((row) => row.id);
}

function outcomeOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { outcome?: unknown };
    return typeof parsed.outcome === 'string' ? parsed.outcome : 'no outcome';
  } catch {
    return 'unparsable body';
  }
}

function describeResult(result: HttpResult): string {
  return result.error ? `no response (${result.error})` : `${result.status} ${result.body.slice(0, 300)}`;
}
