import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';

/**
 * Every module's entities, found by file name, for a data source built outside the app (the
 * migration CLI, the tests' migrations): the first migration records a generated column in
 * TypeORM's metadata table, which the runner creates only when it knows the entities.
 */
export const ENTITY_FILES = join(__dirname, '..', '**', '*.entity.{ts,js}');

/**
 * How long a request waits for a free database connection (all 20 busy, or the database stuck)
 * before it is answered 503 DATABASE_BUSY with Retry-After, rather than hanging until the client
 * gives up.
 */
export const DB_CONNECTION_WAIT_MS = 10_000;

/**
 * One definition for the app, the migration CLI and the tests. Schema changes only by migration.
 * Entities are not listed here: each module registers its own with `TypeOrmModule.forFeature`, and
 * the app loads them from there (`autoLoadEntities`), so the database kernel imports no feature.
 */
export function dataSourceOptions(url: string | undefined, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 20, connectionTimeoutMillis: DB_CONNECTION_WAIT_MS, application_name: 'profile-points' },
  };
}

/** Arbitrary but fixed: every instance takes this advisory lock before migrating. */
const MIGRATION_LOCK = 7_201_458_163;

/** Runs pending migrations while holding a PostgreSQL advisory lock, so instances starting together take turns. */
export async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
