import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';

interface TransactionContext {
  manager: EntityManager;
  afterCommit: Array<() => void>;
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

  /** Runs `work` in a READ COMMITTED transaction, or inside the one already open. */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = this.context.getStore();
    if (open) return work(open.manager);

    const afterCommit: Array<() => void> = [];
    const result = await this.dataSource.transaction('READ COMMITTED', (manager) =>
      this.context.run({ manager, afterCommit }, () => work(manager)),
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

  /** Runs `hook` once the current transaction has committed; never if it rolls back. */
  onCommit(hook: () => void): void {
    const open = this.context.getStore();
    if (!open) throw new Error('onCommit() needs an open transaction');
    open.afterCommit.push(hook);
  }
}
