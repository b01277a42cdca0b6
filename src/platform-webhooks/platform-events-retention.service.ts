import { Injectable } from '@nestjs/common';
import { PlatformEventsRepository } from './platform-events.repository';

/**
 * Retention of the events to the platform (SPEC §13, with the outbox's OUTBOX_RETENTION_DAYS), for
 * whoever schedules it: a delivered event and its tries are removed once old enough; pending and
 * failed events are never removed (an operator may still retry them).
 */
@Injectable()
export class PlatformEventsRetention {
  readonly table = 'platform_events';

  constructor(private readonly repository: PlatformEventsRepository) {}

  /** Removes up to `limit` of the oldest events delivered before `cutoff`, with their tries; how many, by table. */
  async removeBefore(cutoff: Date, limit: number): Promise<Record<string, number>> {
    const removed = await this.repository.removeDeliveredBefore(cutoff, limit);
    return { [this.table]: removed.events, platform_event_attempts: removed.attempts };
  }

  /** When the oldest delivered event still kept was delivered; null when none is. */
  oldestKept(): Promise<Date | null> {
    return this.repository.oldestDelivered();
  }
}
