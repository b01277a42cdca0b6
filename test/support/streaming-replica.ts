import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { waitUntil } from './wait';
import { freePort } from './free-port';

const run = promisify(execFile);

/** PG_BIN_DIR, else the newest PostgreSQL the machine has in the Debian packages' layout. */
const BIN = process.env.PG_BIN_DIR ?? newestDebianPostgres();

function newestDebianPostgres(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no PostgreSQL server binaries under ${root}: install postgresql, or set PG_BIN_DIR to the directory of initdb and pg_ctl`);
  return join(root, newest, 'bin');
}

export interface StreamingReplica {
  /** The primary's database `profile_points` (empty: the app migrates it). */
  primaryUrl: string;
  /** The same database on the hot standby, streaming from the primary. */
  replicaUrl: string;
  /** Holds WAL replay on the standby (it keeps receiving): nothing committed meanwhile shows there. */
  pauseReplay(): Promise<void>;
  /** Replays what was held, and waits until the standby has caught up with the primary. */
  resumeReplay(): Promise<void>;
  /** Waits until the standby has replayed everything the primary has committed so far. */
  caughtUp(): Promise<void>;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** Stops both servers and deletes their files. */
  destroy(): Promise<void>;
}

/**
 * A real primary and a hot standby on free ports, in a temporary directory: initdb, a
 * `replication` line in pg_hba.conf, pg_basebackup -R. initdb and pg_ctl refuse to run as root, so
 * as root (CI) they run as the `postgres` user, who owns the directory.
 */
export async function startStreamingReplica(): Promise<StreamingReplica> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-replica-'));
  chmodSync(dir, 0o777);
  const asRoot = process.getuid?.() === 0;
  const primaryDir = join(dir, 'primary');
  const replicaDir = join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const pg = (program: string, ...args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(BIN, program), ...args], { cwd: dir }) : run(join(BIN, program), args, { cwd: dir });
  const start = (data: string, port: number) => pg('pg_ctl', '-D', data, '-l', `${data}.log`, '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start');
  const stop = (data: string) => pg('pg_ctl', '-D', data, '-m', 'fast', '-w', 'stop');

  let primaryStarted = false;
  let replicaStarted = false;
  const destroy = async () => {
    if (replicaStarted) await stop(replicaDir).catch(() => undefined);
    if (primaryStarted) await stop(primaryDir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pg('initdb', '-D', primaryDir, '-A', 'trust', '-U', 'postgres', '--no-sync');
    appendFileSync(join(primaryDir, 'pg_hba.conf'), '\nhost replication all 127.0.0.1/32 trust\n');
    await start(primaryDir, primaryPort);
    primaryStarted = true;
    const primaryServer = `postgres://postgres@127.0.0.1:${primaryPort}`;
    await query(`${primaryServer}/postgres`, 'CREATE DATABASE profile_points');
    // A fast checkpoint: the default spreads it over minutes.
    await pg('pg_basebackup', '-R', '-D', replicaDir, '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-X', 'stream', '-c', 'fast');
    chmodSync(replicaDir, 0o700);
    await start(replicaDir, replicaPort);
    replicaStarted = true;
  } catch (error) {
    await destroy();
    throw error;
  }

  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/profile_points`;
  const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/profile_points`;
  const caughtUp = async () => {
    const [{ lsn }] = await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
    await waitUntil(async () => {
      const [row] = await query<{ replayed: boolean }>(replicaUrl, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed', [lsn]);
      return row.replayed;
    }, 10_000);
  };
  return {
    primaryUrl,
    replicaUrl,
    async pauseReplay() {
      // From here the standby applies no further record ('pause requested' turns 'paused' at the next one).
      await query(replicaUrl, 'SELECT pg_wal_replay_pause()');
      const [{ state }] = await query<{ state: string }>(replicaUrl, 'SELECT pg_get_wal_replay_pause_state() AS state');
      if (state === 'not paused') throw new Error('the standby did not pause its replay');
    },
    async resumeReplay() {
      await query(replicaUrl, 'SELECT pg_wal_replay_resume()');
      await caughtUp();
    },
    caughtUp,
    async stopReplica() {
      await stop(replicaDir);
      replicaStarted = false;
    },
    async startReplica() {
      await start(replicaDir, replicaPort);
      replicaStarted = true;
    },
    destroy,
  };
}

async function query<R>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

