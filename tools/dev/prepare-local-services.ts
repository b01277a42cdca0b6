import { existsSync } from 'node:fs';
import { validateEnv } from '../../src/config/env.schema';
import { initialiseEmbeddedDatabase } from './embedded-database';

/**
 * Run by `npm start` before the service, while the reference client builds: creates the embedded
 * PostgreSQL's data directory (initdb, about 1.5 s) when the service is going to use one (outside
 * production, no DATABASE_URL) and it does not exist yet. Anything it cannot do is left to the
 * service, which starts the same database and reports a failure in its own words.
 */
async function prepare(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  if (env.NODE_ENV === 'production' || env.DATABASE_URL) return;
  await initialiseEmbeddedDatabase({ dataDir: env.DATA_DIR });
}

prepare().catch(() => undefined);
