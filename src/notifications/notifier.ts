import { Injectable } from '@nestjs/common';
import { Published } from '../events/event-map';
import { NOTIFICATIONS, NotificationPayload, NotificationType } from './notification-events';
import { NotificationsGateway } from './notifications.gateway';
import { NotificationsService } from './notifications.service';

/**
 * Turns a published integration event into a stored notification, then pushes it. The push follows
 * the commit of the insert (no socket I/O inside a transaction), and only a newly stored notification
 * is pushed: a re-published event (the relay is at-least-once) finds its row and pushes nothing.
 */
@Injectable()
export class Notifier {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly gateway: NotificationsGateway,
  ) {}

  async notify<K extends NotificationType>(type: K, event: Published<K>): Promise<void> {
    const { eventId, ...rest } = event;
    const payload = rest as unknown as NotificationPayload<K>;
    const userId = NOTIFICATIONS[type].recipient(payload);
    const stored = await this.notifications.record(userId, type, payload, eventId);
    if (stored) this.gateway.push(userId, stored);
  }
}
