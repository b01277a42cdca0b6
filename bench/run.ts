/**
 * `npm run bench`: durable webhook credits per second of the whole service, next to what the same
 * PostgreSQL does with pgbench's tpcb-like in the same run, so a number means something on any machine,
 * and next to the ceiling of the deliveries themselves (the same requests, acknowledged without a query).
 *
 * Environment: DATABASE_URL (a server; scratch databases are created on it and dropped), else the
 * local default, else an embedded PostgreSQL; BENCH_PURCHASES (2000 per scenario), BENCH_CONCURRENCY
 * (32, also pgbench's clients), BENCH_PGBENCH_SECONDS (15), BENCH_PGBENCH_SCALE (10),
 * BENCH_EMBEDDED=1 (skip the local server), BENCH_PROFILE=1 (CPU profile of each timed phase).
 * The history scenario (bench/history.ts) runs last: BENCH_HISTORY_ROWS (1 000 000 purchases),
 * BENCH_HISTORY_REQUESTS (200 per route), BENCH_HISTORY_CONCURRENCY (8), BENCH_SKIP_HISTORY=1 to skip it,
 * BENCH_ONLY=history to run only it (no webhook scenarios, no pgbench; latest.json keeps their last figures).
 */
import 'reflect-metadata';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Client } from 'pg';
import {
  createDatabase,
  databaseUrl,
  DurabilitySettings,
  durabilitySettings,
  dropDatabase,
  isDurable,
  libpqEnv,
  redact,
  resolveServer,
  scratchName,
} from './database';
import { CpuSplit } from './cpu';
import { intEnv } from './env';
import { HistoryConfig, HistoryResult, runHistory } from './history';
import { PgbenchResult, runPgbench, stopPgbench } from './pgbench';
import { formatLayers } from './profiler';
import { CeilingResult, deliverCeiling, deliverScenario, PhaseProfile, PreparedScenario, prepareScenario, ScenarioResult, ScenarioSpec } from './scenario';
import { LoadProcess } from './load-process';
import { BenchService, startService } from './service';

interface BenchConfig {
  purchases: number;
  concurrency: number;
  pgbenchSeconds: number;
  pgbenchScale: number;
  forceEmbedded: boolean;
  profile: boolean;
  /** null: BENCH_SKIP_HISTORY=1. */
  history: HistoryConfig | null;
  historyOnly: boolean;
}

const ROOT = resolve(__dirname, '..');
const RESULTS_DIR = join(__dirname, 'results');
const RESULTS_FILE = join(RESULTS_DIR, 'latest.json');
const PGBENCH_THREADS = 2;
/** Share of the phase's busy CPU used by neither the service nor its database above which the machine was not quiet. */
const OTHER_LOAD_WARNING = 0.1;

function readConfig(): BenchConfig {
  const only = process.env.BENCH_ONLY ?? '';
  if (only !== '' && only !== 'history') throw new Error(`BENCH_ONLY may only be "history", not "${only}"`);
  const skipHistory = process.env.BENCH_SKIP_HISTORY === '1';
  if (only === 'history' && skipHistory) throw new Error('BENCH_ONLY=history and BENCH_SKIP_HISTORY=1 leave nothing to run');
  return {
    purchases: intEnv('BENCH_PURCHASES', 2000, 1, 100_000),
    concurrency: intEnv('BENCH_CONCURRENCY', 32, 1, 256),
    pgbenchSeconds: intEnv('BENCH_PGBENCH_SECONDS', 15, 1, 600),
    pgbenchScale: intEnv('BENCH_PGBENCH_SCALE', 10, 1, 1000),
    // Lets the embedded fallback be exercised on a machine whose default server is up.
    forceEmbedded: process.env.BENCH_EMBEDDED === '1',
    profile: process.env.BENCH_PROFILE === '1',
    history: skipHistory
      ? null
      : {
          rows: intEnv('BENCH_HISTORY_ROWS', 1_000_000, 1000, 50_000_000),
          requests: intEnv('BENCH_HISTORY_REQUESTS', 200, 10, 100_000),
          concurrency: intEnv('BENCH_HISTORY_CONCURRENCY', 8, 1, 256),
          deepPages: 20,
        },
    historyOnly: only === 'history',
  };
}

/** Releases what the run acquired, newest first, exactly once, whether the run succeeded, failed or was interrupted. */
class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];
  private running?: Promise<void>;

  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (error) {
          console.error(`cleanup: ${step.name} failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

function once(run: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= run());
}

const print = (line = '') => process.stdout.write(`${line}\n`);

async function main(cleanup: Cleanup): Promise<number> {
  const config = readConfig();
  const problems: string[] = [];
  const warnings: string[] = [];
  if (config.historyOnly) print('Profile Points bench — only the history scenario (BENCH_ONLY=history)');
  else {
    print(
      `Profile Points bench — ${config.purchases} purchases per scenario, concurrency ${config.concurrency}, ` +
        `pgbench -s ${config.pgbenchScale} for ${config.pgbenchSeconds} s`,
    );
  }

  const server = await resolveServer(config.forceEmbedded);
  if (server.embedded) cleanup.add('stop the embedded PostgreSQL', () => server.embedded?.stop());
  const admin = new Client({ connectionString: server.url });
  await admin.connect().catch((error: Error) => {
    throw new Error(`cannot connect to ${redact(server.url)} (from ${server.source}): ${error.message}`);
  });
  cleanup.add('close the admin connection', () => admin.end());

  const { rows: version } = await admin.query<{ server_version: string }>('SHOW server_version');
  print(`PostgreSQL ${version[0].server_version} at ${redact(server.url)} (${server.source})`);
  const serverSettings = await durabilitySettings(async (sql) => (await admin.query<Record<string, string>>(sql)).rows);
  print(`durability (server): ${formatSettings(serverSettings)}`);
  requireDurable('the server', serverSettings);
  requireNoDurabilityOverrideInSource();

  const serviceDb = scratchName('service');
  const pgbenchDb = scratchName('pgbench');
  await createDatabase(admin, serviceDb);
  cleanup.add(`drop ${serviceDb}`, () => dropDatabase(admin, serviceDb));
  if (!config.historyOnly) {
    await createDatabase(admin, pgbenchDb);
    cleanup.add(`drop ${pgbenchDb}`, () => dropDatabase(admin, pgbenchDb));
  }

  const bootStarted = performance.now();
  const service: BenchService = await startService(databaseUrl(server.url, serviceDb));
  const closeService = once(() => service.close());
  cleanup.add('close the service and the emulator', closeService);
  print(`service up on ${service.url} in ${seconds(performance.now() - bootStarted)} (migrated ${serviceDb})`);

  // The service's own pool sessions: catches settings attached to the role, the database or the connection options.
  const poolSettings = await durabilitySettings((sql) => service.db.query<Array<Record<string, string>>>(sql));
  print(`durability (service pool session): ${formatSettings(poolSettings)}`);
  requireDurable("the service's connections", poolSettings);

  // Timed requests come from a process of their own, as Stripe's and browsers' do.
  const load = await LoadProcess.start(service.url);
  cleanup.add('stop the load process', () => load.close());
  print(`load generator: process ${load.pid}, out of the service's process`);

  const db = new Client({ connectionString: databaseUrl(server.url, serviceDb) });
  await db.connect();
  cleanup.add('close the bench connection', () => db.end());
  const { rows: packRows } = await db.query<{ code: string; points: string }>(`SELECT code, points FROM point_packs WHERE active`);
  const packPoints = new Map(packRows.map((row) => [row.code, Number(row.points)]));

  const n = config.purchases;
  const scenarios: ScenarioSpec[] = [
    // Not reported: pays for the first-request costs (JIT, lazy metadata, pool connections) so the first scenario is not penalised.
    { name: 'warm-up', key: 'warmup', purchases: Math.min(100, n), moderators: 10, profiles: 10, clients: 40 },
    // A client may hold at most 10 open checkouts: enough buyers that none does.
    { name: 'spread', key: 'spread', purchases: n, moderators: 50, profiles: 50, clients: Math.max(200, Math.ceil(n / 8)) },
    { name: 'hot moderator', key: 'hot', purchases: n, moderators: 1, profiles: 50, clients: Math.max(200, Math.ceil(n / 8)) },
    // Not reported either: the same deliveries under the CPU profiler, for the split by layer (sampling costs a little).
    { name: 'profiled', key: 'profiled', purchases: Math.min(500, n), moderators: 50, profiles: 50, clients: 200 },
  ];
  const results: ScenarioResult[] = [];
  let lastPrepared: PreparedScenario | undefined;
  const profiles: { credit?: PhaseProfile; ceiling?: PhaseProfile; get?: PhaseProfile } = {};
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const spec of config.historyOnly ? [] : scenarios) {
    print();
    print(`[${spec.name}] ${spec.purchases} purchases over ${spec.profiles} profiles of ${spec.moderators} moderator(s), ${spec.clients} clients`);
    const prepared = await prepareScenario(db, service, spec, config.concurrency, packPoints);
    if (spec.key === 'spread' || spec.key === 'hot') lastPrepared = prepared;
    print(`  setup: ${spec.purchases} checkouts through POST /profile-points/checkout in ${seconds(prepared.checkoutSeconds * 1000)} (not timed)`);
    const profiled = spec.key === 'profiled' || (config.profile && spec.key !== 'warmup');
    const profileFile = profiled ? join(RESULTS_DIR, `${spec.key}.cpuprofile`) : undefined;
    const result = await deliverScenario(db, service, load, prepared, config.concurrency, profileFile);
    print(
      `  ${result.deliveries} deliveries in ${seconds(result.elapsedMs)}: ${result.deliveriesPerSecond.toFixed(1)} deliveries/s, ` +
        `${result.creditsPerSecond.toFixed(1)} credits/s, p50 ${result.p50Ms.toFixed(1)} ms, p90 ${result.p90Ms.toFixed(1)} ms, ` +
        `p99 ${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms`,
    );
    print(`  cpu: ${formatCpu(result.cpu, result.purchases)}`);
    const { nodeSeconds, postgresSeconds, otherSeconds } = result.cpu;
    if (otherSeconds !== null && otherSeconds > OTHER_LOAD_WARNING * (nodeSeconds + (postgresSeconds ?? 0) + otherSeconds)) {
      print(`  WARNING: other processes used ${otherSeconds.toFixed(1)} s of CPU during this phase; its numbers are skewed`);
      warnings.push(`${spec.name}: other processes used ${otherSeconds.toFixed(1)} s of CPU during the phase`);
    }
    const states = result.backendStates.filter((entry) => entry.share >= 0.01).slice(0, 6);
    print(`  service connections: ${states.map((entry) => `${entry.state} ${(100 * entry.share).toFixed(0)}%`).join(', ')}`);
    print(`  outcomes: ${Object.entries(result.outcomes).map(([outcome, count]) => `${outcome} ${count}`).join(', ')}`);
    print(
      `  outbox: ${result.outboxBacklog} events unpublished when the phase ended, ` +
        (result.outboxDrainSeconds === null ? 'NOT drained within the bound' : `drained ${seconds(result.outboxDrainSeconds * 1000)} later`),
    );
    printProfile(result.profile, result.deliveries, 'delivery');
    if (result.errors > 0) {
      print(`  ERRORS: ${result.errors} deliveries without a 2xx, e.g.:`);
      for (const sample of result.errorSamples) print(`    ${sample}`);
      problems.push(`${spec.name}: ${result.errors} deliveries without a 2xx`);
    }
    if (result.verified) print('  verified: every transaction completed, moderator points = points sold, 2 ledger rows per purchase');
    else {
      for (const problem of result.problems) print(`  NOT VERIFIED: ${problem}`);
      problems.push(...result.problems.map((problem) => `${spec.name}: ${problem}`));
    }
    if (spec.key === 'spread' || spec.key === 'hot') results.push(result);
    if (spec.key === 'profiled') profiles.credit = result.profile;
  }

  // What HTTP, the signature check and the load generator cost on their own, measured like the rest.
  let ceiling: CeilingResult | null = null;
  if (lastPrepared) {
    print();
    print(`[ceiling] the last scenario's ${2 * lastPrepared.payloads.length} deliveries again, as an event type the service ignores (no query)`);
    ceiling = await deliverCeiling(db, service, load, lastPrepared, config.concurrency, config.profile ? join(RESULTS_DIR, 'ceiling.cpuprofile') : undefined);
    print(
      `  ${ceiling.deliveries} deliveries in ${seconds(ceiling.elapsedMs)}: ${ceiling.deliveriesPerSecond.toFixed(1)} deliveries/s, ` +
        `i.e. at most ${ceiling.creditsPerSecond.toFixed(1)} credits/s at two deliveries per credit; ` +
        `p50 ${ceiling.p50Ms.toFixed(1)} ms, p99 ${ceiling.p99Ms.toFixed(1)} ms`,
    );
    print(`  cpu: ${formatCpu(ceiling.cpu, ceiling.deliveries / 2)}`);
    if (ceiling.cpuMsPerCredit !== null && ceiling.cpuBoundCreditsPerSecond !== null) {
      print(
        `  two deliveries cost the machine ${ceiling.cpuMsPerCredit.toFixed(2)} ms of CPU: with all ${cpus().length} cores busy on nothing else, ` +
          `at most ${ceiling.cpuBoundCreditsPerSecond.toFixed(0)} credits/s however the service were parallelised`,
      );
    }
    printProfile(ceiling.profile, ceiling.deliveries, 'delivery');
    if (!ceiling.profile) {
      // The timed run above is not slowed by sampling; this second pass is the one profiled.
      const again = await deliverCeiling(db, service, load, lastPrepared, config.concurrency, join(RESULTS_DIR, 'ceiling.cpuprofile'));
      print(`  the same again under the CPU profiler (not timed): ${again.deliveriesPerSecond.toFixed(1)} deliveries/s`);
      printProfile(again.profile, again.deliveries, 'delivery');
      profiles.ceiling = again.profile;
    } else profiles.ceiling = ceiling.profile;
    if (ceiling.errors > 0) {
      print(`  ERRORS: ${ceiling.errors} deliveries not answered 200 "ignored", e.g.:`);
      for (const sample of ceiling.errorSamples) print(`    ${sample}`);
      problems.push(`ceiling: ${ceiling.errors} deliveries not answered 200 "ignored"`);
    }
  }

  // Last, and in the same database: its million rows must not slow the webhook scenarios down.
  let history: HistoryResult | null = null;
  if (config.history) {
    print();
    print(
      `[history] ${config.history.rows} purchases bulk-loaded, then ${config.history.requests} GETs per route at concurrency ` +
        `${config.history.concurrency}; the SQL each route ran, explained`,
    );
    history = await runHistory(db, service, load, config.history, print);
    if (history.profile) {
      print(`  every route again under the CPU profiler (not timed), ${history.profile.requests} GETs:`);
      printProfile(history.profile, history.profile.requests, 'GET');
      profiles.get = history.profile;
    }
    for (const result of history.cases) {
      if (result.errors > 0) problems.push(`history ${result.name}: ${result.errors} requests without a 200, e.g. ${result.errorSamples[0]}`);
    }
  }

  // pgbench measures the same server without the service competing for it.
  await closeService();

  if (config.historyOnly) {
    printHistory(history);
    // The other scenarios' last figures stay in the file; only the history part is replaced.
    const previous = readPrevious();
    writeResults({ ...previous, history: { finishedAt: new Date().toISOString(), ok: problems.length === 0, problems, warnings, ...history } });
    print(`results written to ${relative(process.cwd(), RESULTS_FILE)} (history only; the other figures are from ${typeof previous.finishedAt === 'string' ? previous.finishedAt : 'no run'})`);
    return finish(problems);
  }

  print();
  const threads = Math.min(PGBENCH_THREADS, config.concurrency);
  print(`[pgbench] -i -s ${config.pgbenchScale}, then tpcb-like, ${config.concurrency} clients, ${threads} threads, ${config.pgbenchSeconds} s`);
  await admin.query('CHECKPOINT').catch(() => undefined);
  cleanup.add('stop pgbench', stopPgbench);
  const pgbench: PgbenchResult = await runPgbench({
    database: pgbenchDb,
    env: libpqEnv(server.url),
    scale: config.pgbenchScale,
    clients: config.concurrency,
    threads,
    seconds: config.pgbenchSeconds,
  });
  print(
    `  initialised in ${seconds(pgbench.initSeconds * 1000)}; ${pgbench.transactions ?? '?'} transactions, ` +
      `latency average ${pgbench.latencyAverageMs ?? '?'} ms, ${pgbench.tps.toFixed(1)} tps, ` +
      `the machine's CPU ${pgbench.machineCpuMsPerTransaction?.toFixed(2) ?? '?'} ms per transaction`,
  );

  const [spread, hot] = results;
  const ratios = {
    spreadToPgbench: spread.creditsPerSecond / pgbench.tps,
    hotToPgbench: hot.creditsPerSecond / pgbench.tps,
    hotToSpread: hot.creditsPerSecond / spread.creditsPerSecond,
    ceilingToPgbench: ceiling ? ceiling.creditsPerSecond / pgbench.tps : null,
    cpuBoundToPgbench: ceiling?.cpuBoundCreditsPerSecond ? ceiling.cpuBoundCreditsPerSecond / pgbench.tps : null,
    /** Machine CPU per credit ÷ machine CPU per pgbench transaction: how many transfers' worth of CPU a credit costs. */
    spreadCpuToPgbenchCpu:
      spread.machineCpuMsPerCredit !== null && pgbench.machineCpuMsPerTransaction ? spread.machineCpuMsPerCredit / pgbench.machineCpuMsPerTransaction : null,
  };

  print();
  print(row(['scenario', 'purchases', 'deliveries/s', 'credits/s', 'p50 ms', 'p99 ms', 'machine CPU ms/credit']));
  for (const result of results) {
    print(
      row([
        result.name,
        String(result.purchases),
        result.deliveriesPerSecond.toFixed(1),
        result.creditsPerSecond.toFixed(1),
        result.p50Ms.toFixed(1),
        result.p99Ms.toFixed(1),
        result.machineCpuMsPerCredit?.toFixed(2) ?? '?',
      ]),
    );
  }
  if (ceiling) {
    print(row(['ceiling (no db)', '', ceiling.deliveriesPerSecond.toFixed(1), ceiling.creditsPerSecond.toFixed(1), ceiling.p50Ms.toFixed(1), ceiling.p99Ms.toFixed(1), ceiling.cpuMsPerCredit?.toFixed(2) ?? '?']));
  }
  print(
    `pgbench tpcb-like (${config.concurrency} clients): ${pgbench.tps.toFixed(1)} tps, ` +
      `machine CPU ${pgbench.machineCpuMsPerTransaction?.toFixed(2) ?? '?'} ms/transaction`,
  );
  print(
    `ratio credits/s ÷ pgbench tps: spread ${ratios.spreadToPgbench.toFixed(3)}, hot moderator ${ratios.hotToPgbench.toFixed(3)}; ` +
      `hot ÷ spread = ${ratios.hotToSpread.toFixed(3)}`,
  );
  if (ratios.ceilingToPgbench !== null) {
    print(`ceiling ÷ pgbench tps: ${ratios.ceilingToPgbench.toFixed(3)} (the ratio the deliveries alone would allow, with no database work at all)`);
  }
  if (ratios.cpuBoundToPgbench !== null) {
    print(`CPU bound of the deliveries ÷ pgbench tps: ${ratios.cpuBoundToPgbench.toFixed(3)} (every core on the deliveries, still no database work)`);
  }

  if (ratios.spreadCpuToPgbenchCpu !== null) {
    print(`machine CPU per credit (spread) ÷ machine CPU per pgbench transaction: ${ratios.spreadCpuToPgbenchCpu.toFixed(2)}`);
  }

  printHistory(history);

  writeResults({
    finishedAt: new Date().toISOString(),
    ok: problems.length === 0,
    problems,
    warnings,
    config,
    postgres: { version: version[0].server_version, server: redact(server.url), source: server.source, serverSettings, poolSettings },
    scenarios: results,
    ceiling,
    pgbench: { script: 'tpcb-like', clients: config.concurrency, threads, ...pgbench },
    ratios,
    history: history && { finishedAt: new Date().toISOString(), ...history },
    layers: Object.fromEntries(Object.entries(profiles).map(([what, profile]) => [what, profile && { busyMs: profile.busyMs, layers: profile.layers }])),
  });
  if (warnings.length > 0) print(`note: the machine was not quiet (${warnings.join('; ')}): rerun for trustworthy numbers`);
  print(`results written to ${relative(process.cwd(), RESULTS_FILE)}`);
  return finish(problems);
}

function printProfile(profile: PhaseProfile | undefined, units: number, unit: string): void {
  if (!profile) return;
  print(`  CPU profile of the phase: ${relative(process.cwd(), profile.file)}; the service's busy CPU by layer:`);
  for (const line of formatLayers(profile, units, unit)) print(`    ${line}`);
  print(`    ${(profile.busyMs / units).toFixed(3).padStart(14)} ms/${unit} in all`);
  print('  most self time:');
  for (const line of profile.top) print(`    ${line}`);
}

function finish(problems: string[]): number {
  if (problems.length > 0) {
    console.error(`\nbench FAILED:\n  - ${problems.join('\n  - ')}`);
    return 1;
  }
  return 0;
}

function writeResults(results: Record<string, unknown>): void {
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}

function readPrevious(): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const HISTORY_WIDTHS = [38, 9, 9, 9, 9, 7, 17];
function printHistory(history: HistoryResult | null): void {
  if (!history) return;
  print();
  print(`history pages with ${history.rows} purchases (ms, ${history.cases[0]?.requests ?? 0} requests per route):`);
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(HISTORY_WIDTHS[i]) : cell.padStart(HISTORY_WIDTHS[i]))).join('');
  print(line(['route', 'p50', 'p95', 'p99', 'max', 'items', 'first round p95']));
  for (const result of history.cases) {
    print(line([result.name, result.p50Ms.toFixed(1), result.p95Ms.toFixed(1), result.p99Ms.toFixed(1), result.maxMs.toFixed(1), String(result.itemsPerPage), result.firstRoundP95Ms.toFixed(1)]));
  }
  if (history.seqScansOnBigTables.length > 0) print(`SEQ SCANS on big tables: ${history.seqScansOnBigTables.join('; ')}`);
  else print('no sequential scan of a big table in any history query');
}

function requireDurable(what: string, settings: DurabilitySettings): void {
  if (!isDurable(settings)) {
    throw new Error(`${what} runs with ${formatSettings(settings)}: commits would not be durable, so there is nothing honest to measure`);
  }
}

/**
 * SHOW only sees session defaults; a `SET LOCAL synchronous_commit = off` inside the webhook's
 * transaction would not show there, so the service's source is checked for one as well.
 */
function requireNoDurabilityOverrideInSource(): void {
  const override = /synchronous_commit\s*(=|to\b)|set_config\s*\(\s*'synchronous_commit'|-c\s*synchronous_commit/i;
  const offenders = tsFiles(join(ROOT, 'src'), 0).filter((file) => override.test(readFileSync(file, 'utf8')));
  if (offenders.length > 0) {
    throw new Error(`the service overrides synchronous_commit in ${offenders.map((file) => relative(ROOT, file)).join(', ')}: refusing to measure`);
  }
  print('durability (service source): no synchronous_commit override in src/');
}

function tsFiles(dir: string, depth: number): string[] {
  if (depth > 20) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path, depth + 1);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });
}

function formatCpu(cpu: CpuSplit, credits: number): string {
  const { nodeSeconds, nodeSystemShare, postgresSeconds, loadSeconds, otherSeconds, machineSeconds, machineBusy } = cpu;
  const perCredit = (cpuSeconds: number) => `${((cpuSeconds * 1000) / credits).toFixed(2)} ms/credit`;
  const parts = [`service ${perCredit(nodeSeconds)} (${(100 * nodeSystemShare).toFixed(0)}% in the kernel)`];
  if (postgresSeconds !== null) parts.push(`PostgreSQL ${perCredit(postgresSeconds)}`);
  if (loadSeconds !== null) parts.push(`load generator ${perCredit(loadSeconds)}`);
  if (otherSeconds !== null) parts.push(`everything else ${perCredit(otherSeconds)}`);
  if (machineSeconds !== null) parts.push(`whole machine ${perCredit(machineSeconds)}`);
  if (machineBusy !== null) parts.push(`all cores ${(100 * machineBusy).toFixed(0)}% busy`);
  return parts.join(', ');
}

function formatSettings(settings: DurabilitySettings): string {
  return `synchronous_commit=${settings.synchronousCommit} fsync=${settings.fsync}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const WIDTHS = [16, 11, 14, 11, 8, 8, 22];
function row(cells: string[]): string {
  return cells.map((cell, i) => cell.padEnd(WIDTHS[i])).join('').trimEnd();
}

const cleanup = new Cleanup();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Registered before Nest's own shutdown hooks: after Nest closes the app it re-raises the signal,
  // which then lands here instead of killing the process before the scratch databases are dropped.
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: cleaning up…`);
    void cleanup.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

main(cleanup)
  .catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await cleanup.run();
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
