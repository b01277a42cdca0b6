import { Injectable } from '@nestjs/common';
import { FindOptionsWhere, IsNull, LessThan, MoreThan } from 'typeorm';
import { TransactionRunner } from '../database/transaction';
import { Notification } from './entities/notification.entity';
import { NotificationPayload, NotificationType } from './notification-events';

export interface NewNotification {
  userId: string;
  type: NotificationType;
  payload: NotificationPayload<NotificationType>;
  eventId: string;
}

/** Every statement on `notifications`, inside the caller's transaction when there is one. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * Inserts the notifications in one statement, in the order given (their ids follow it), and returns
   * the id stored for each, in that order: null for one whose (event, user) was already stored, before
   * or earlier in the same list. A user that does not exist fails the whole statement
   * (fk_notifications_user).
   */
  async insertAll(notifications: readonly NewNotification[]): Promise<Array<string | null>> {
    if (notifications.length === 0) return [];
    const rows = await this.transactions.manager.query<Array<{ id: string; user_id: string; event_id: string }>>(
      `INSERT INTO notifications (user_id, type, payload, event_id)
       SELECT user_id, type, payload, event_id
         FROM unnest($1::bigint[], $2::text[], $3::jsonb[], $4::uuid[]) WITH ORDINALITY AS r(user_id, type, payload, event_id, n)
        ORDER BY n
       ON CONFLICT ON CONSTRAINT uq_notifications_event_user DO NOTHING
       RETURNING id, user_id, event_id`,
      [
        notifications.map((notification) => notification.userId),
        notifications.map((notification) => notification.type),
        notifications.map((notification) => JSON.stringify(notification.payload)),
        notifications.map((notification) => notification.eventId),
      ],
    );
    // (event, user) is unique: a key stored now belongs to the first notification that carries it.
    const stored = new Map(rows.map((row) => [`${row.event_id}/${row.user_id}`, row.id]));
    return notifications.map((notification) => {
      const key = `${notification.eventId.toLowerCase()}/${notification.userId}`;
      const id = stored.get(key);
      stored.delete(key);
      return id ?? null;
    });
  }

  /** A page of the user's notifications, newest first: up to `take` with ids below `beforeId`; only unread ones if asked. */
  listNewestFirst(userId: string, page: { take: number; beforeId?: string; unreadOnly?: boolean }): Promise<Notification[]> {
    const where: FindOptionsWhere<Notification> = { userId };
    if (page.unreadOnly) where.readAt = IsNull();
    if (page.beforeId) where.id = LessThan(page.beforeId);
    return this.transactions.repository(Notification).find({ where, order: { id: 'DESC' }, take: page.take });
  }

  /** Marks the user's unread notifications among `ids` read and returns how many it marked; other ids are ignored. */
  async markRead(userId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.transactions
      .repository(Notification)
      .createQueryBuilder()
      .update()
      .set({ readAt: () => 'now()' })
      .where('user_id = :userId AND id IN (:...ids) AND read_at IS NULL', { userId, ids: [...new Set(ids)] })
      .execute();
    return result.affected ?? 0;
  }

  /**
   * Removes up to `limit` of the read notifications created before `cutoff`, oldest first, in one
   * statement (a short transaction of its own when no transaction is open): rows another session
   * holds are skipped, never waited for. Unread notifications are never removed. Returns how many
   * were removed.
   */
  async removeReadCreatedBefore(cutoff: Date, limit: number): Promise<number> {
    const [, removed] = await this.transactions.manager.query<[unknown[], number]>(
      `DELETE FROM notifications
        WHERE id IN (SELECT n.id FROM notifications n
                      WHERE n.read_at IS NOT NULL AND n.created_at < $1
                      ORDER BY n.created_at, n.id
                      LIMIT $2
                        FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
    return removed;
  }

  /** When the oldest read notification still kept was created; null when none is (ix_notifications_read_created). */
  async oldestRead(): Promise<Date | null> {
    const [row] = await this.transactions.manager.query<Array<{ oldest: Date | null }>>(`SELECT min(created_at) AS oldest FROM notifications WHERE read_at IS NOT NULL`);
    return row.oldest;
  }

  /** The newest `limit` of the user's notifications with ids above `afterId`, in id order. */
  async newestAfter(userId: string, afterId: string, limit: number): Promise<Notification[]> {
    const rows = await this.transactions.repository(Notification).find({
      where: { userId, id: MoreThan(afterId) },
      order: { id: 'DESC' },
      take: limit,
    });
    return rows.reverse();
  }

  /**
   * For each user, the newest `perUser` of their notifications created at or after `since`, in id
   * order: what the sockets of an instance cut off from the others may have missed. One statement
   * for all the users (an index scan of each one's notifications, newest first).
   */
  async createdSince(userIds: readonly string[], since: Date, perUser: number): Promise<Notification[]> {
    if (userIds.length === 0) return [];
    const rows = await this.transactions.manager.query<
      Array<{ id: string; user_id: string; type: NotificationType; payload: Notification['payload']; read_at: Date | null; created_at: Date; event_id: string }>
    >(
      `SELECT n.id, n.user_id, n.type, n.payload, n.read_at, n.created_at, n.event_id
         FROM unnest($1::bigint[]) AS u(id)
         CROSS JOIN LATERAL (
           SELECT * FROM notifications WHERE user_id = u.id AND created_at >= $2 ORDER BY id DESC LIMIT $3
         ) n
        ORDER BY n.user_id, n.id`,
      [userIds, since, perUser],
    );
    return rows.map((row) =>
      Object.assign(new Notification(), {
        id: row.id,
        userId: row.user_id,
        type: row.type,
        payload: row.payload,
        readAt: row.read_at,
        createdAt: row.created_at,
        eventId: row.event_id,
      }),
    );
  }
}
