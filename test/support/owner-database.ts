import { DataSource, EntityManager } from 'typeorm';
import { dataSourceOptions, ENTITY_FILES } from '../../src/database/data-source-options';
import { TransactionRunner } from '../../src/database/transaction';

export interface OwnerDatabase {
  /** The test's own connection, for factories and for reading what a repository wrote. */
  db: DataSource;
  /** The runner the repositories under test are built with, as the app builds them. */
  transactions: TransactionRunner;
  /**
   * Runs `work` in a transaction of `transactions` (the repositories under test join it) and rolls
   * it back: the run's database is shared by every suite, and the e2e suites check that the whole
   * ledger adds up, so rows written for one statement (a purchase without its lot, a transfer
   * without its cached balance) must not outlive the test.
   */
  rolledBack<T>(work: (db: EntityManager) => Promise<T>): Promise<T>;
}

class RolledBack extends Error {}

/**
 * The run's migrated test database and a TransactionRunner on it, for service-level tests of a
 * module's repositories and query services: they are built with `new` and run their real SQL.
 * Call it at the top of a `describe`; it connects before the suite and disconnects after.
 */
export function useOwnerDatabase(): OwnerDatabase {
  const handle = {
    async rolledBack<T>(work: (db: EntityManager) => Promise<T>): Promise<T> {
      let result: { value: T } | undefined;
      await handle.transactions
        .run(async (manager) => {
          result = { value: await work(manager) };
          throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
      return result!.value;
    },
  } as OwnerDatabase;
  beforeAll(async () => {
    handle.db = await new DataSource(dataSourceOptions(process.env.TEST_DATABASE_URL!, [ENTITY_FILES])).initialize();
    handle.transactions = new TransactionRunner(handle.db);
  });
  afterAll(async () => {
    await handle.db?.destroy();
  });
  return handle;
}
