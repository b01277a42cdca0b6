import { Injectable } from '@nestjs/common';
import { PlatformEventsRepository, TRY_OUTCOMES, TryOutcome } from './platform-events.repository';

/** A scrape every few seconds on every instance must not count the queue each time. */
export const PENDING_CACHE_MS = 5000;

/**
 * What the observability module reads at scrape time: the tries this instance made, by outcome,
 * and the events still pending (all instances: a count in the database, cached a few seconds).
 */
@Injectable()
export class PlatformWebhookStats {
  private readonly counts = new Map<TryOutcome, number>(TRY_OUTCOMES.map((outcome) => [outcome, 0]));
  private pendingCache?: { at: number; value: Promise<number> };

  constructor(private readonly repository: PlatformEventsRepository) {}

  countTry(outcome: TryOutcome): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  /** Tries made by this instance since it started, by outcome (every outcome, 0 included). */
  tries(): ReadonlyMap<TryOutcome, number> {
    return this.counts;
  }

  pending(): Promise<number> {
    const cached = this.pendingCache;
    if (cached && Date.now() - cached.at < PENDING_CACHE_MS) return cached.value;
    const value = this.repository.pendingCount();
    this.pendingCache = { at: Date.now(), value };
    return value.catch((error: unknown) => {
      if (this.pendingCache?.value === value) this.pendingCache = undefined;
      throw error;
    });
  }
}
