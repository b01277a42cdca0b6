import { Injectable } from '@nestjs/common';
import { NotificationsRepository } from './notifications.repository';

/**
 * Retention of stored notifications (SPEC §13), for whoever schedules it: a read notification is
 * removed once it is old enough (counted from its creation); an unread one is never removed.
 */
@Injectable()
export class NotificationsRetention {
  readonly table = 'notifications';

  constructor(private readonly repository: NotificationsRepository) {}

  /** Removes up to `limit` of the oldest read notifications created before `cutoff`; how many, by table. */
  async removeBefore(cutoff: Date, limit: number): Promise<Record<string, number>> {
    return { [this.table]: await this.repository.removeReadCreatedBefore(cutoff, limit) };
  }

  /** When the oldest read notification still kept was created; null when none is. */
  oldestKept(): Promise<Date | null> {
    return this.repository.oldestRead();
  }
}
