import { Injectable } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository';

/**
 * Retention of the outbox (SPEC §13), for whoever schedules it: published events are removed once
 * old enough, unpublished ones never. The statements are OutboxRepository's.
 */
@Injectable()
export class OutboxRetention {
  readonly table = 'outbox_events';

  constructor(private readonly repository: OutboxRepository) {}

  /** Removes up to `limit` of the oldest events published before `cutoff`; how many, by table. */
  async removeBefore(cutoff: Date, limit: number): Promise<Record<string, number>> {
    return { [this.table]: await this.repository.removePublishedBefore(cutoff, limit) };
  }

  /** When the oldest published event still kept was published; null when none is. */
  oldestKept(): Promise<Date | null> {
    return this.repository.oldestPublished();
  }
}
