import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { isReplicaFailure, ReadReplica } from './read-replica';

/**
 * The phases of a transaction's last moments, in order. `records`: rows that only this transaction
 * writes, such as the events it publishes (the outbox). `contended`: rows that many transactions
 * update, such as a moderator's cached balance, written last so that their locks are held for the
 * final moments only (ARCHITECTURE.md, lock order). Steps of one phase run in the order they were
 * first deferred.
 */
export const BEFORE_COMMIT_PHASES = ['records', 'contended'] as const;
export type BeforeCommitPhase = (typeof BEFORE_COMMIT_PHASES)[number];

/**
 * Work a module defers to just before commit: its phase, a name unique to the module's step (its
 * per-transaction state is kept under it), the state's creation on first use, and what writes it.
 */
export interface BeforeCommitStep<S> {
  phase: BeforeCommitPhase;
  name: string;
  init: () => S;
  flush: (state: S) => Promise<void>;
}

interface TransactionContext {
  manager: EntityManager;
  afterCommit: Array<() => void>;
  beforeCommit: Map<string, { phase: BeforeCommitPhase; state: unknown; flush: (state: unknown) => Promise<void> }>;
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
  /** The replica's manager while an `onReplica` read runs. */
  private readonly replicaReads = new AsyncLocalStorage<EntityManager>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly replica?: ReadReplica,
  ) {}

  /** Runs `work` in a transaction at PostgreSQL's default level, READ COMMITTED, or inside the one already open. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.context.getStore()) return work();

    const afterCommit: Array<() => void> = [];
    const beforeCommit: TransactionContext['beforeCommit'] = new Map();
    const result = await this.dataSource.transaction((manager) =>
      this.context.run({ manager, afterCommit, beforeCommit }, async () => {
        const value = await work();
        for (const phase of BEFORE_COMMIT_PHASES) {
          for (const step of beforeCommit.values()) if (step.phase === phase) await step.flush(step.state);
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

  /**
   * Runs `read` on the read replica (DATABASE_READ_URL): every repository it calls, in any module,
   * reads there. Only for answers that may lag the latest commit by the replica's delay: histories,
   * statements, reports, lists and exports (ARCHITECTURE.md, "Reads on the replica"). A read that
   * decides something, or must see a write just made, never comes here.
   *
   * On the primary instead: inside a transaction (it sees its own writes), without a replica, or
   * while the replica fails (unreachable, cancelled by replay, behind on a migration): a read the
   * replica fails is read again on the primary, and the replica is tried again after
   * REPLICA_RETRY_MS. Other errors are the read's own and are thrown; a write that reaches the
   * replica fails there (read-only) rather than being retried on the primary.
   */
  async onReplica<T>(read: () => Promise<T>): Promise<T> {
    if (this.context.getStore() || !this.replica?.configured) return read();
    const manager = await this.replica.manager();
    if (!manager) return read();
    try {
      return await this.replicaReads.run(manager, read);
    } catch (error) {
      if (!isReplicaFailure(error)) throw error;
      this.replica.failed(error);
      return read();
    }
  }

  get inTransaction(): boolean {
    return this.context.getStore() !== undefined;
  }

  /** The manager of the transaction in progress, else the replica's inside `onReplica`, else the primary pool's. */
  get manager(): EntityManager {
    return this.context.getStore()?.manager ?? this.replicaReads.getStore() ?? this.dataSource.manager;
  }

  repository<E extends ObjectLiteral>(entity: EntityTarget<E>): Repository<E> {
    return this.manager.getRepository(entity);
  }

  /**
   * The current transaction's state of a before-commit `step`, created on first use and handed to
   * the step's `flush` right before the transaction commits, in the order of BEFORE_COMMIT_PHASES.
   */
  deferUntilCommit<S>(step: BeforeCommitStep<S>): S {
    const open = this.context.getStore();
    if (!open) throw new Error('deferUntilCommit() needs an open transaction');
    let entry = open.beforeCommit.get(step.name);
    if (!entry) {
      entry = { phase: step.phase, state: step.init(), flush: step.flush as (state: unknown) => Promise<void> };
      open.beforeCommit.set(step.name, entry);
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
