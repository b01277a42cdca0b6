import { DataSource } from 'typeorm';
import { dataSourceOptions, ENTITY_FILES } from '../../src/database/data-source-options';
import { TransactionRunner } from '../../src/database/transaction';

export interface OwnerDatabase {
  /** The test's own connection, for factories and for reading what a repository wrote. */
  db: DataSource;
  /** The runner the repositories under test are built with, as the app builds them. */
  transactions: TransactionRunner;
}

/**
 * The run's migrated test database and a TransactionRunner on it, for service-level tests of a
 * module's repositories and query services: they are built with `new` and run their real SQL.
 * Call it at the top of a `describe`; it connects before the suite and disconnects after.
 */
export function useOwnerDatabase(): OwnerDatabase {
  const handle = {} as OwnerDatabase;
  beforeAll(async () => {
    handle.db = await new DataSource(dataSourceOptions(process.env.TEST_DATABASE_URL!, [ENTITY_FILES])).initialize();
    handle.transactions = new TransactionRunner(handle.db);
  });
  afterAll(async () => {
    await handle.db?.destroy();
  });
  return handle;
}
