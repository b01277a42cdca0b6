import { Inject, Injectable } from '@nestjs/common';
import { ageSeconds, RetentionRule } from './retention-plan';
import { RETENTION_RULES } from './retention-rules';

/** Tables whose removed rows are counted: the rules' tables and the tries removed with delivered platform events. */
export const RETENTION_COUNTED_TABLES = ['outbox_events', 'stripe_events', 'notifications', 'platform_events', 'platform_event_attempts'] as const;

/** A scrape every few seconds on every instance must not read the four tables each time. */
export const OLDEST_CACHE_MS = 5000;

/** One table's retention as the metrics show it. */
export interface RetentionTableState {
  table: string;
  /** The configured window, in seconds. */
  windowSeconds: number;
  /** Age of the oldest removable row still kept, in seconds (0 when none is). */
  oldestKeptSeconds: number;
}

/**
 * What the observability module reads at scrape time: the rows this instance removed, by table, and
 * per table the window and the age of the oldest removable row still kept (all instances: read from
 * the database through the owners, cached a few seconds).
 */
@Injectable()
export class RetentionStats {
  private readonly removed = new Map<string, number>(RETENTION_COUNTED_TABLES.map((table) => [table, 0]));
  private cache?: { at: number; value: Promise<RetentionTableState[]> };

  constructor(@Inject(RETENTION_RULES) private readonly rules: readonly RetentionRule[]) {}

  countRemoved(byTable: Record<string, number>): void {
    for (const [table, count] of Object.entries(byTable)) this.removed.set(table, (this.removed.get(table) ?? 0) + count);
  }

  /** Rows removed by this instance since it started, by table (every table, 0 included). */
  removedRows(): ReadonlyMap<string, number> {
    return this.removed;
  }

  tables(): Promise<RetentionTableState[]> {
    const cached = this.cache;
    if (cached && Date.now() - cached.at < OLDEST_CACHE_MS) return cached.value;
    const value = this.read();
    this.cache = { at: Date.now(), value };
    return value.catch((error: unknown) => {
      if (this.cache?.value === value) this.cache = undefined;
      throw error;
    });
  }

  /** Each table's window in seconds, from the settings (known even when the database cannot be read). */
  windows(): Array<{ table: string; windowSeconds: number }> {
    return this.rules.map(({ target, days }) => ({ table: target.table, windowSeconds: days * 86_400 }));
  }

  /** Forgets the cached ages, so that the next read sees a run that just ended. */
  invalidate(): void {
    this.cache = undefined;
  }

  private async read(): Promise<RetentionTableState[]> {
    return Promise.all(
      this.windows().map(async ({ table, windowSeconds }, index) => {
        const oldest = await this.rules[index].target.oldestKept();
        return { table, windowSeconds, oldestKeptSeconds: ageSeconds(oldest, new Date()) };
      }),
    );
  }
}
