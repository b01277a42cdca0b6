import { randomInt } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ENTITY_FILES, runMigrationsLocked } from '../../src/database/data-source-options';

export interface IsolatedDatabase {
  url: string;
  /** A connection of the test itself (factories, assertions). */
  db: DataSource;
  drop(): Promise<void>;
}

/**
 * A database of its own, migrated with the real migrations, on the server of the run. For suites
 * whose instances relay the outbox: on the shared test database, the relays of other suites running
 * in parallel would publish their events (and theirs ours). Its user ids start at a random offset
 * far from the other databases', because socket rooms are per user id and Redis is shared by all
 * suites of a run: no push can reach a socket of another suite.
 */
export async function createIsolatedDatabase(label: string): Promise<IsolatedDatabase> {
  const serverUrl = requireEnv('TEST_SERVER_URL');
  const name = `${requireEnv('TEST_DATABASE_NAME')}_${label}`.slice(0, 63);
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;

  const db = await new DataSource(dataSourceOptions(url.toString(), [ENTITY_FILES])).initialize();
  await runMigrationsLocked(db);
  const firstUserId = 10n ** 12n * BigInt(randomInt(1, 9000));
  await db.query(`ALTER TABLE users ALTER COLUMN id RESTART WITH ${firstUserId}`);

  return {
    url: url.toString(),
    db,
    async drop() {
      if (db.isInitialized) await db.destroy();
      if (!process.env.KEEP_TEST_DATABASE) await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (its global setup prepares the database)`);
  return value;
}
