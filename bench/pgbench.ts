import { ChildProcess, spawn } from 'node:child_process';
import { machineTicks, TICKS_PER_SECOND } from './cpu';

export interface PgbenchOptions {
  database: string;
  /** libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD…) of the server under test. */
  env: Record<string, string>;
  scale: number;
  clients: number;
  threads: number;
  seconds: number;
}

export interface PgbenchResult {
  tps: number;
  initSeconds: number;
  latencyAverageMs: number | null;
  transactions: number | null;
  /** Busy CPU of the whole machine (pgbench's clients, the server, anything else) per transaction. */
  machineCpuMsPerTransaction: number | null;
  summary: string;
}

const PGBENCH = process.env.PGBENCH ?? 'pgbench';
/** Slack over the requested duration before a hung pgbench is killed (covers -i at larger scales). */
const GRACE_SECONDS = 180;

let running: ChildProcess | undefined;

/** Kills the pgbench this module started, if one is still running (interrupted run). */
export function stopPgbench(): void {
  if (running && running.exitCode === null) running.kill('SIGTERM');
}

export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  const initStarted = performance.now();
  await exec(['-i', '-q', '-s', String(options.scale), options.database], options.env, GRACE_SECONDS);
  const initSeconds = (performance.now() - initStarted) / 1000;

  const ticksBefore = machineTicks();
  const { stdout } = await exec(
    ['-c', String(options.clients), '-j', String(options.threads), '-T', String(options.seconds), '-b', 'tpcb-like', options.database],
    options.env,
    options.seconds + GRACE_SECONDS,
  );
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (!tps) throw new Error(`pgbench printed no "tps = … (without initial connection time)" line:\n${stdout}`);
  const latency = /latency average = ([\d.]+) ms/.exec(stdout);
  const transactions = /number of transactions actually processed: (\d+)/.exec(stdout);
  const ticksAfter = machineTicks();
  // The run includes pgbench connecting and exiting, a few ms of a 15 s run.
  const machineCpuMsPerTransaction =
    ticksBefore === null || ticksAfter === null || !transactions ? null : ((ticksAfter - ticksBefore) * 1000) / TICKS_PER_SECOND / Number(transactions[1]);
  return {
    tps: Number(tps[1]),
    initSeconds,
    latencyAverageMs: latency ? Number(latency[1]) : null,
    transactions: transactions ? Number(transactions[1]) : null,
    machineCpuMsPerTransaction,
    summary: stdout.trim(),
  };
}

function exec(args: string[], env: Record<string, string>, timeoutSeconds: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PGBENCH, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutSeconds * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      running = undefined;
      reject(new Error(`could not run ${PGBENCH}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`pgbench ${args.join(' ')} exited with ${code ?? signal}:\n${stderr.trim().split('\n').slice(-10).join('\n')}`));
    });
  });
}
