import { Injectable } from '@nestjs/common';
import { Published } from '../events/event-map';
import { UsersService } from '../users/users.service';
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
    private readonly users: UsersService,
  ) {}

  /** To the event's recipient, or to every admin for an admin alert (each stored and pushed once). */
  async notify<K extends NotificationType>(type: K, event: Published<K>): Promise<void> {
    const { eventId, ...rest } = event;
    const payload = rest as unknown as NotificationPayload<K>;
    const recipient = NOTIFICATIONS[type].recipient;
    const userIds = recipient ? [recipient(payload)] : await this.users.adminIds();
    const stored = await Promise.all(userIds.map((userId) => this.notifications.record(userId, type, payload, eventId)));
    stored.forEach((notification, i) => {
      if (notification) this.gateway.push(userIds[i], notification);
    });
  }
}
