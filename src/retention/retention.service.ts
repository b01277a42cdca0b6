import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BatchPolicy, cutoffOf, DEFAULT_BATCH_POLICY, moreLeft, RetentionRule } from './retention-plan';
import { RETENTION_RULES } from './retention-rules';
import { RetentionLockRepository } from './retention-lock.repository';
import { RetentionStats } from './retention-stats.service';

/** A run every hour at least (SPEC §13), and one as the instance starts. */
export const RETENTION_INTERVAL_MS = 3_600_000;

/** What one run did. */
export interface RetentionRunResult {
  /** Another instance held the run lock: this one removed nothing. */
  skipped: boolean;
  /** Rows removed, by table. */
  removed: Record<string, number>;
  /** Statements run. */
  batches: number;
}

/**
 * Removes what SPEC §13 says is no longer needed, at startup and every hour: each table's owner
 * removes its rows (the rules' targets), this service only decides when, how much per statement,
 * and that one instance at a time does it (RetentionLockRepository). Every statement is its own
 * short transaction that skips rows another session holds, with a pause after each, so the paths
 * that credit and alert never wait behind it.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<RetentionRunResult> = Promise.resolve({ skipped: false, removed: {}, batches: 0 });
  private stopped = false;
  private busy = false;

  constructor(
    @Inject(RETENTION_RULES) private readonly rules: readonly RetentionRule[],
    private readonly lock: RetentionLockRepository,
    private readonly stats: RetentionStats,
  ) {}

  onApplicationBootstrap(): void {
    // A run still going when the hour strikes (a long backlog) is not followed by another at once.
    const scheduled = () => {
      if (this.busy) return;
      void this.run().catch((error: Error) => this.logger.error(`retention run failed: ${error.message}`, error.stack));
    };
    this.timer = setInterval(scheduled, RETENTION_INTERVAL_MS);
    this.timer.unref();
    scheduled();
  }

  /** Starts no new statement and waits for the one in flight, before the pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running.catch(() => undefined);
  }

  /**
   * One run over every table, after the run in progress on this instance (if any) has ended. Skipped
   * when another instance holds the run lock.
   */
  run(policy: BatchPolicy = DEFAULT_BATCH_POLICY): Promise<RetentionRunResult> {
    const next = this.running.catch(() => undefined).then(() => this.runLocked(policy));
    this.running = next;
    return next;
  }

  private async runLocked(policy: BatchPolicy): Promise<RetentionRunResult> {
    this.busy = true;
    try {
      return await this.removeAll(policy);
    } finally {
      this.busy = false;
    }
  }

  private async removeAll(policy: BatchPolicy): Promise<RetentionRunResult> {
    const result: RetentionRunResult = { skipped: false, removed: {}, batches: 0 };
    if (this.stopped) return result;
    const held = await this.lock.tryAcquire();
    if (!held) return { ...result, skipped: true };
    const started = Date.now();
    try {
      const now = new Date();
      for (const { target, days } of this.rules) {
        const cutoff = cutoffOf(days, now);
        while (!this.stopped) {
          const removed = await target.removeBefore(cutoff, policy.batchSize);
          result.batches += 1;
          this.stats.countRemoved(removed);
          for (const [table, count] of Object.entries(removed)) result.removed[table] = (result.removed[table] ?? 0) + count;
          if (!moreLeft(removed[target.table] ?? 0, policy.batchSize)) break;
          if (policy.pauseMs > 0) await sleep(policy.pauseMs);
        }
      }
    } finally {
      await held.release().catch((error: Error) => this.logger.warn(`retention: could not end the lock session: ${error.message}`));
      this.stats.invalidate();
    }
    const total = Object.values(result.removed).reduce((sum, count) => sum + count, 0);
    if (total > 0) this.logger.log(`retention removed ${total} rows in ${result.batches} statements and ${Date.now() - started} ms: ${JSON.stringify(result.removed)}`);
    return result;
  }
}
