/**
 * `npm run bench:import`: how many NDJSON lines a minute POST /integration/import applies, the
 * platform's first sync. Each run streams BENCH_IMPORT_LINES (200 000) new lines — users first (one
 * moderator per 100 users, the rest clients, half of them with a name and an e-mail), then one
 * profile per 10 users, run by those moderators — from a process of its own (the uploader), as a
 * platform's backend sends them, and times the request from its first byte to the answer. Then it
 * checks the answer (every line created, none refused) and the database (the rows are there). The
 * service runs in this process; its CPU and the uploader's are metered apart.
 *
 * Environment: DATABASE_URL (a server: a scratch database is created and dropped), else the local
 * default, else an embedded PostgreSQL; BENCH_IMPORT_LINES (200 000), BENCH_IMPORT_RUNS (3).
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, redact, resolveServer, scratchName } from './database';
import { startService } from './service';
import { intEnv } from './env';

const log = (line: string) => process.stdout.write(`${line}\n`);
const INTEGRATION_TOKEN = 'bench-import-integration-token-0c6f2e9a41d7b385';
/** The goal of SPEC §10 for the import. */
const GOAL_LINES_PER_MINUTE = 100_000;

interface UploadResult {
  status: number;
  body: { created?: number; updated?: number; refusedCount?: number };
  ms: number;
  bytes: number;
  cpuMs: number;
}

/** The lines of one run: ids from `base` up, users before the profiles that name their moderators. */
function* linesOf(base: bigint, count: number): Generator<string> {
  const users = Math.ceil((count * 10) / 11);
  for (let i = 0; i < users; i++) {
    const id = String(base + BigInt(i));
    if (i % 100 === 0) yield `{"type":"user","id":"${id}","role":"moderator","name":"Moderator ${i}","email":"moderator-${id}@platform.example"}\n`;
    else if (i % 2 === 0) yield `{"type":"user","id":"${id}","role":"client","name":"Client ${i}","email":"client-${id}@platform.example"}\n`;
    else yield `{"type":"user","id":"${id}","role":"client"}\n`;
  }
  for (let p = 0; p < count - users; p++) {
    const moderator = String(base + BigInt(Math.floor((p * 10) / 100) * 100));
    yield `{"type":"profile","id":"${String(base + 10_000_000n + BigInt(p))}","name":"Profile ${p}","moderator_id":"${moderator}","active":true}\n`;
  }
}

/** The uploader (a child process): streams the lines in 64 KB chunks and reports the answer. */
async function upload(url: string, base: bigint, count: number): Promise<UploadResult> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let bytes = 0;
  const source = Readable.from(
    (function* () {
      let chunk = '';
      for (const line of linesOf(base, count)) {
        chunk += line;
        if (chunk.length >= 64 * 1024) {
          bytes += Buffer.byteLength(chunk);
          yield chunk;
          chunk = '';
        }
      }
      bytes += Buffer.byteLength(chunk);
      yield chunk;
    })(),
  );
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = request(`${url}/integration/import`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${INTEGRATION_TOKEN}`, 'Content-Type': 'application/x-ndjson', 'Transfer-Encoding': 'chunked' },
    });
    outgoing.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (text += part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    outgoing.on('error', reject);
    source.pipe(outgoing);
  });
  const used = process.cpuUsage(cpu);
  return { status: answer.status, body: JSON.parse(answer.text) as UploadResult['body'], ms: performance.now() - started, bytes, cpuMs: (used.user + used.system) / 1000 };
}

async function main(): Promise<void> {
  const lines = intEnv('BENCH_IMPORT_LINES', 200_000, 1, 10_000_000);
  const runs = intEnv('BENCH_IMPORT_RUNS', 3, 1, 100);
  const server = await resolveServer(process.env.BENCH_EMBEDDED === '1');
  const name = scratchName('import');
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  await createDatabase(admin, name);
  log(`bench:import — ${lines} lines a run, ${runs} runs, PostgreSQL ${redact(server.url)} (${server.source}), scratch database ${name}`);
  process.env.INTEGRATION_TOKEN = INTEGRATION_TOKEN;
  process.env.RATE_LIMIT_INTEGRATION_PER_MINUTE = '1000000';
  const service = await startService(databaseUrl(server.url, name));
  const rates: number[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const base = 100_000_000_000n * BigInt(run);
      const cpu = process.cpuUsage();
      // The service's memory while the body streams in: it holds a batch, never the body.
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
      const result = await uploadFromChild(service.url, base, lines).finally(() => clearInterval(sampler));
      const used = process.cpuUsage(cpu);
      const [{ users }] = await service.db.query<Array<{ users: number }>>(`SELECT count(*)::int AS users FROM users WHERE id >= $1 AND id < $2`, [String(base), String(base + 10_000_000n)]);
      const [{ profiles }] = await service.db.query<Array<{ profiles: number }>>(
        `SELECT count(*)::int AS profiles FROM profiles WHERE id >= $1 AND id < $2`,
        [String(base + 10_000_000n), String(base + 20_000_000n)],
      );
      const ok = result.status === 200 && result.body.created === lines && result.body.refusedCount === 0 && users + profiles === lines;
      const perMinute = (lines / result.ms) * 60_000;
      rates.push(perMinute);
      log(
        `run ${run}: ${Math.round(perMinute).toLocaleString('en')} lines/min (${lines} lines, ${(result.bytes / 1e6).toFixed(1)} MB in ${(result.ms / 1000).toFixed(2)} s; ` +
          `${users} users and ${profiles} profiles in the database; service CPU ${((used.user + used.system) / 1000 / 1000).toFixed(2)} s, ` +
          `uploader CPU ${(result.cpuMs / 1000).toFixed(2)} s; service RSS ${(rssBefore / 1e6).toFixed(0)} MB before, at most ${(rssPeak / 1e6).toFixed(0)} MB during)` +
          `${ok ? '' : ` — WRONG: status ${result.status}, answer ${JSON.stringify(result.body)}`}`,
      );
      if (!ok) process.exitCode = 1;
    }
  } finally {
    await service.close();
    await dropDatabase(admin, name);
    await admin.end();
    await server.embedded?.stop();
  }
  const low = Math.round(Math.min(...rates)).toLocaleString('en');
  const high = Math.round(Math.max(...rates)).toLocaleString('en');
  log(`lines a minute: ${low}–${high} over ${runs} runs (goal ≥ ${GOAL_LINES_PER_MINUTE.toLocaleString('en')}): ${Math.min(...rates) >= GOAL_LINES_PER_MINUTE ? 'met' : 'NOT met'}`);
}

/** Runs `upload` in a child process (this file again), so that generating and sending lines is not the service's CPU. */
function uploadFromChild(url: string, base: bigint, lines: number): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--upload', url, String(base), String(lines)], {
      execArgv: __filename.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (message) => resolve(message as UploadResult));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`uploader exited with ${code}`));
    });
  });
}

if (process.argv[2] === '--upload') {
  const [, , , url, base, count] = process.argv;
  upload(url, BigInt(base), Number(count)).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error('upload failed:', error);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error('bench:import failed:', error);
    process.exit(1);
  });
}
