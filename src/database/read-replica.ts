import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions.js';
import { Env } from '../config/env.schema';
import { isDatabaseUnavailable } from '../common/database-unavailable';

/** After the replica failed, reads go to the primary for this long before the replica is tried again. */
export const REPLICA_RETRY_MS = 5_000;

/** How long a read waits for a connection to the replica before it is read from the primary instead. */
const REPLICA_CONNECT_TIMEOUT_MS = 2_000;

/** How long readiness and the lag gauge wait for the replica's answer. */
const REPLICA_PING_TIMEOUT_MS = 1_000;

/**
 * SQLSTATEs the replica answers where the primary would not: a statement cancelled by a conflict
 * with WAL replay (40001, 40P01, 57P04), or a table or column a migration just added on the primary
 * and the replica has not replayed yet (42P01, 42703).
 */
const REPLICA_ONLY_STATE = /^(40001|40P01|57P04|42P01|42703)$/;

/**
 * Whether `error`, from a read on the replica, is the replica's failure (the read is then run on the
 * primary) rather than the read's own: a domain error, a bad statement, or a write (25006, read-only)
 * that should never have reached the replica are thrown as they are.
 */
export function isReplicaFailure(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const code = error instanceof QueryFailedError ? (error.driverError as { code?: unknown }).code : undefined;
  return typeof code === 'string' && REPLICA_ONLY_STATE.test(code);
}

export type ReplicaState = { status: 'up'; lagSeconds: number | null } | { status: 'degraded'; message: string };

export const REPLICA_DEGRADED_MESSAGE = 'read replica unreachable: histories, statements and reports are read from the primary; retrying';

/**
 * The streaming replica of DATABASE_READ_URL, for `TransactionRunner.onReplica` only. A data source
 * of its own (the primary's entities and settings), opened lazily and again after a failure, so that
 * an instance starts, and stays ready, while the replica is down. Not TypeORM's `replication`
 * option: it opens every replica's pool when the data source initializes, so an unreachable replica
 * would fail the boot, and it sends query-builder SELECTs outside a transaction to a replica unless
 * told otherwise (ARCHITECTURE.md, "Reads on the replica").
 */
@Injectable()
export class ReadReplica implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReadReplica.name);
  private readonly url: string | undefined;
  private source: Promise<DataSource> | null = null;
  private failedAt = Number.NEGATIVE_INFINITY;

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    env: Env,
  ) {
    // Set but empty in the environment: unset.
    this.url = env.DATABASE_READ_URL || undefined;
  }

  get configured(): boolean {
    return this.url !== undefined;
  }

  onApplicationBootstrap(): void {
    // Opened ahead of the first read; a replica that is down now is only logged (reads use the primary).
    if (this.configured) void this.open().catch((error: unknown) => this.failed(error));
  }

  async onApplicationShutdown(): Promise<void> {
    const source = this.source;
    this.source = null;
    const open = await source?.catch(() => null);
    if (open?.isInitialized) await open.destroy();
  }

  /** The replica's manager for the next read, or null when reads go to the primary: none configured, or it failed recently. */
  async manager(): Promise<EntityManager | null> {
    if (!this.configured || Date.now() - this.failedAt < REPLICA_RETRY_MS) return null;
    try {
      return (await this.open()).manager;
    } catch (error) {
      this.failed(error);
      return null;
    }
  }

  /** Records a failure: reads go to the primary for REPLICA_RETRY_MS. */
  failed(error: unknown): void {
    if (Date.now() - this.failedAt >= REPLICA_RETRY_MS) {
      this.logger.warn(`read replica failed, reading from the primary for ${REPLICA_RETRY_MS / 1000} s: ${(error as Error)?.message ?? String(error)}`);
    }
    this.failedAt = Date.now();
  }

  /**
   * Asks the replica now (readiness, the lag gauge): up with its replay delay (null when it has
   * replayed nothing yet, or is not a standby), or degraded. Never throws.
   */
  async state(): Promise<ReplicaState> {
    try {
      const [row] = await withTimeout(
        this.open().then((source) =>
          source.query<Array<{ lag: number | null }>>(
            `SELECT CASE WHEN pg_is_in_recovery() THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag`,
          ),
        ),
        REPLICA_PING_TIMEOUT_MS,
      );
      return { status: 'up', lagSeconds: row?.lag === null || row?.lag === undefined ? null : Math.max(0, Number(row.lag)) };
    } catch (error) {
      this.failed(error);
      return { status: 'degraded', message: REPLICA_DEGRADED_MESSAGE };
    }
  }

  private open(): Promise<DataSource> {
    if (!this.url) throw new Error('DATABASE_READ_URL is not set');
    this.source ??= this.connect(this.url);
    return this.source;
  }

  /** The primary's settings and entities, on the replica's URL, with a short connection wait; it never migrates. */
  private connect(url: string): Promise<DataSource> {
    const options = this.primary.options as PostgresDataSourceOptions;
    const extra = options.extra as Record<string, unknown> | undefined;
    const source = new DataSource({
      ...options,
      url,
      migrationsRun: false,
      extra: { ...extra, connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS, application_name: 'profile-points-reads' },
    });
    const opening = source.initialize();
    // A replica that could not be reached is opened again by the next read after REPLICA_RETRY_MS.
    opening.catch(() => {
      if (this.source === opening) this.source = null;
    });
    return opening;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
