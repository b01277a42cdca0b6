import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';

/**
 * What a transaction writes just before it commits, in this order, whatever order its work asked for
 * them in: the purchases' collected columns (rows it already holds), the outbox (its events, one
 * INSERT and one NOTIFY), then the moderators' cached balances, last, so that a busy moderator's row
 * is locked only for the final moments of the transaction (ARCHITECTURE.md, lock order).
 */
export const BEFORE_COMMIT_STEPS = ['purchase.writes', 'outbox', 'users.points'] as const;
export type BeforeCommitStep = (typeof BEFORE_COMMIT_STEPS)[number];

interface TransactionContext {
  manager: EntityManager;
  afterCommit: Array<() => void>;
  beforeCommit: Map<BeforeCommitStep, { state: unknown; flush: (state: unknown) => Promise<void> }>;
}

/**
 * Runs a callback in one database transaction and lets every repository used inside it — in any
 * module, including synchronous event listeners — join that transaction without passing it along.
 * The boundary is the callback: nobody outside it can commit or leak the transaction.
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger(TransactionRunner.name);
  private readonly context = new AsyncLocalStorage<TransactionContext>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in a transaction at PostgreSQL's default level, READ COMMITTED, or inside the one already open. */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = this.context.getStore();
    if (open) return work(open.manager);

    const afterCommit: Array<() => void> = [];
    const beforeCommit: TransactionContext['beforeCommit'] = new Map();
    const result = await this.dataSource.transaction((manager) =>
      this.context.run({ manager, afterCommit, beforeCommit }, async () => {
        const value = await work(manager);
        for (const step of BEFORE_COMMIT_STEPS) {
          const pending = beforeCommit.get(step);
          if (pending) await pending.flush(pending.state);
        }
        return value;
      }),
    );
    for (const hook of afterCommit) {
      try {
        hook();
      } catch (error) {
        this.logger.error(`after-commit hook failed: ${(error as Error).message}`, (error as Error).stack);
      }
    }
    return result;
  }

  get inTransaction(): boolean {
    return this.context.getStore() !== undefined;
  }

  /** The manager of the transaction in progress, or the pool's when there is none. */
  get manager(): EntityManager {
    return this.context.getStore()?.manager ?? this.dataSource.manager;
  }

  repository<E extends ObjectLiteral>(entity: EntityTarget<E>): Repository<E> {
    return this.manager.getRepository(entity);
  }

  /**
   * Per-transaction state of a before-commit `step`, created by `init` on first use and handed to
   * `flush` right before the transaction commits, in the order of BEFORE_COMMIT_STEPS.
   */
  deferUntilCommit<S>(key: BeforeCommitStep, init: () => S, flush: (state: S) => Promise<void>): S {
    const open = this.context.getStore();
    if (!open) throw new Error('deferUntilCommit() needs an open transaction');
    let entry = open.beforeCommit.get(key);
    if (!entry) {
      entry = { state: init(), flush: flush as (state: unknown) => Promise<void> };
      open.beforeCommit.set(key, entry);
    }
    return entry.state as S;
  }

  /** Runs `hook` once the current transaction has committed; never if it rolls back. */
  onCommit(hook: () => void): void {
    const open = this.context.getStore();
    if (!open) throw new Error('onCommit() needs an open transaction');
    open.afterCommit.push(hook);
  }
}
