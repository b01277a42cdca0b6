import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { dataSourceOptions, ENTITY_FILES } from '../../src/database/data-source-options';
import { BEFORE_COMMIT_PHASES, TransactionRunner } from '../../src/database/transaction';
import { createIsolatedDatabase, IsolatedDatabase } from './isolated-database';

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
  /**
   * Whether another session could lock the row `id` of `table` with `mode` right now: NOWAIT fails
   * at once (lock_not_available) while a transaction of the test holds a conflicting lock.
   */
  lockableElsewhere(table: string, id: string, mode?: RowLock): Promise<boolean>;
  /**
   * Runs `work` in a transaction through its before-commit steps; `atCommit` runs in the last one
   * (after the outbox's and the moderators' balances), sees what the transaction wrote, and gives the
   * answer; then the transaction is rolled back instead of committed. Fails if it never got there.
   */
  untilCommit<T, R>(work: (db: EntityManager) => Promise<T>, atCommit: (db: EntityManager, done: T) => Promise<R>): Promise<R>;
}

export type RowLock = 'FOR UPDATE' | 'FOR NO KEY UPDATE' | 'FOR SHARE' | 'FOR KEY SHARE';

class RolledBack extends Error {}

export interface OwnerDatabaseOptions {
  /**
   * Runs the suite on a scratch database of its own (test/support/isolated-database.ts, named after
   * this label), dropped after the suite, instead of the run's shared one: for statements that read
   * whole tables (a report over every purchase, the ledger check), whose exact answer would include
   * what suites running in parallel commit there.
   */
  ownDatabase?: string;
}

/**
 * The run's migrated test database and a TransactionRunner on it, for service-level tests of a
 * module's repositories and query services: they are built with `new` and run their real SQL.
 * Call it at the top of a `describe`; it connects before the suite and disconnects after.
 */
export function useOwnerDatabase(options: OwnerDatabaseOptions = {}): OwnerDatabase {
  let scratch: IsolatedDatabase | undefined;
  const handle = {
    async rolledBack<T>(work: (db: EntityManager) => Promise<T>): Promise<T> {
      let result: { value: T } | undefined;
      await handle.transactions
        .run(async () => {
          const manager = handle.transactions.manager;
          result = { value: await work(manager) };
          throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
      return result!.value;
    },
    async untilCommit<T, R>(work: (db: EntityManager) => Promise<T>, atCommit: (db: EntityManager, done: T) => Promise<R>): Promise<R> {
      let seen: { value: R } | undefined;
      await handle.transactions
        .run(async () => {
          const manager = handle.transactions.manager;
          const done = await work(manager);
          // The last phase, deferred after the work's own steps: it runs after every one of them.
          handle.transactions.deferUntilCommit({
            phase: BEFORE_COMMIT_PHASES[BEFORE_COMMIT_PHASES.length - 1],
            name: 'test.at-commit',
            init: () => null,
            flush: async () => {
              seen = { value: await atCommit(manager, done) };
              throw new RolledBack();
            },
          });
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
      if (!seen) throw new Error('the transaction never reached its commit');
      return seen.value;
    },
    async lockableElsewhere(table: string, id: string, mode: RowLock = 'FOR UPDATE'): Promise<boolean> {
      try {
        await handle.db.query(`SELECT id FROM ${table} WHERE id = $1 ${mode} NOWAIT`, [id]);
        return true;
      } catch (error) {
        if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '55P03') return false;
        throw error;
      }
    },
  } as OwnerDatabase;
  beforeAll(async () => {
    if (options.ownDatabase !== undefined) {
      scratch = await createIsolatedDatabase(options.ownDatabase);
      handle.db = scratch.db;
    } else {
      handle.db = await new DataSource(dataSourceOptions(process.env.TEST_DATABASE_URL, [ENTITY_FILES])).initialize();
    }
    handle.transactions = new TransactionRunner(handle.db);
  });
  afterAll(async () => {
    if (scratch) await scratch.drop();
    else await handle.db?.destroy();
  });
  return handle;
}
