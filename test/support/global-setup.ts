import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ENTITY_FILES, runMigrationsLocked } from '../../src/database/data-source-options';
import { startEmbeddedDatabase } from '../../tools/dev/embedded-database';

/**
 * A fresh database for the run, migrated with the real migrations, on the server of DATABASE_URL
 * or, without one, on an embedded PostgreSQL the setup starts itself. Dropped by the teardown.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedDatabase({ dataDir: join(tmpdir(), 'profile-points-test-pg'), database: 'postgres' });
    (globalThis as { __embeddedDatabase__?: typeof embedded }).__embeddedDatabase__ = embedded;
    serverUrl = embedded.url;
  }

  const name = `profile_points_test_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dataSource = await new DataSource(dataSourceOptions(url.toString(), [ENTITY_FILES])).initialize();
  await runMigrationsLocked(dataSource);
  await dataSource.destroy();

  process.env.TEST_SERVER_URL = serverUrl;
  process.env.TEST_DATABASE_NAME = name;
  process.env.TEST_DATABASE_URL = url.toString();
}
