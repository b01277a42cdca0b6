import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedDatabase, startEmbeddedDatabase } from '../tools/dev/embedded-database';

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PostgresServer {
  /** Connects to the server's maintenance database; scratch databases are created next to it. */
  url: string;
  source: 'DATABASE_URL' | 'default' | 'embedded';
  embedded?: EmbeddedDatabase;
}

/**
 * DATABASE_URL wins and is never second-guessed: if it is unreachable the run fails, because silently
 * benchmarking another server would report numbers for a machine nobody asked about.
 */
export async function resolveServer(forceEmbedded: boolean): Promise<PostgresServer> {
  const configured = process.env.DATABASE_URL;
  if (configured) return { url: configured, source: 'DATABASE_URL' };
  if (!forceEmbedded && (await reachable(DEFAULT_SERVER_URL))) return { url: DEFAULT_SERVER_URL, source: 'default' };
  const embedded = await startEmbeddedDatabase({ dataDir: join(tmpdir(), 'profile-points-bench-pg'), database: 'postgres' });
  return { url: embedded.url, source: 'embedded', embedded };
}

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The URL with its password masked, fit for a terminal and a results file. */
export function redact(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

/** libpq's environment for command-line tools (pgbench), from the same URL the service uses. */
export function libpqEnv(serverUrl: string): Record<string, string> {
  const url = new URL(serverUrl);
  const env: Record<string, string> = {
    PGHOST: url.hostname.replace(/^\[|\]$/g, ''),
    PGPORT: url.port || '5432',
    PGUSER: decodeURIComponent(url.username) || 'postgres',
  };
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

export interface DurabilitySettings {
  synchronousCommit: string;
  fsync: string;
}

export async function durabilitySettings(query: (sql: string) => Promise<Array<Record<string, string>>>): Promise<DurabilitySettings> {
  const [commit] = await query('SHOW synchronous_commit');
  const [fsync] = await query('SHOW fsync');
  return { synchronousCommit: commit.synchronous_commit, fsync: fsync.fsync };
}

/**
 * Every synchronous_commit level except `off` waits for the local WAL flush before COMMIT returns
 * (on, local, remote_write and remote_apply only differ in what standbys must also do).
 */
export function isDurable(settings: DurabilitySettings): boolean {
  return settings.fsync === 'on' && settings.synchronousCommit !== 'off';
}

/** Scratch database names are generated here, never taken from input, so interpolating them is safe. */
export function scratchName(purpose: string): string {
  return `profile_points_bench_${purpose}_${Date.now()}_${process.pid}`;
}

export async function createDatabase(admin: Client, name: string): Promise<void> {
  await admin.query(`CREATE DATABASE ${name}`);
}

export async function dropDatabase(admin: Client, name: string): Promise<void> {
  // FORCE: a failed run may leave the service's pool or a pgbench client connected.
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
