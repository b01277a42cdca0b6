import { Injectable, Logger } from '@nestjs/common';
import { FindOptionsWhere, IsNull, LessThan, MoreThan, QueryFailedError } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import { Page } from '../common/pagination';
import { TransactionRunner } from '../database/transaction';
import { MarkReadResponseDto, NotificationDto, NotificationsQuery } from './dto/notification.dto';
import { Notification } from './entities/notification.entity';
import { NOTIFICATIONS, NotificationPayload, NotificationType, PushedNotification } from './notification-events';

/** A stored notification as the socket sends it: the event name and the pushed payload. */
export interface NotificationMessage<K extends NotificationType = NotificationType> {
  type: K;
  notification: PushedNotification<K>;
}

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** The store behind GET /notifications, POST /notifications/read and the socket replay. */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * Stores the notification of one event for one user and returns it, or null when that event was
   * already stored for that user (the relay publishes at least once) or the user no longer exists.
   * Called outside any transaction: the row is committed when this resolves, so it can be pushed.
   */
  async record<K extends NotificationType>(
    userId: string,
    type: K,
    payload: NotificationPayload<K>,
    eventId: string,
  ): Promise<NotificationMessage<K> | null> {
    if (this.transactions.inTransaction) throw new Error('notifications are stored in their own transaction, then pushed');
    const stored = contractFields(type, payload);
    try {
      const rows = await this.transactions.manager.query<Array<{ id: string }>>(
        `INSERT INTO notifications (user_id, type, payload, event_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT ON CONSTRAINT uq_notifications_event_user DO NOTHING
         RETURNING id`,
        [userId, type, stored, eventId],
      );
      return rows.length === 0 ? null : { type, notification: { id: rows[0].id, ...stored } };
    } catch (error) {
      if (isViolation(error, 'fk_notifications_user')) {
        this.logger.warn(`${type} event ${eventId} names user ${userId}, who does not exist: not notified`);
        return null;
      }
      throw error;
    }
  }

  /** The caller's notifications, newest first, keyset-paginated; optionally only the unread ones. */
  async list(user: AuthUser, query: NotificationsQuery): Promise<Page<NotificationDto>> {
    const where: FindOptionsWhere<Notification> = { userId: user.id };
    if (query.unread) where.readAt = IsNull();
    if (query.cursor) where.id = LessThan(clampId(query.cursor));
    const rows = await this.transactions.repository(Notification).find({ where, order: { id: 'DESC' }, take: query.limit + 1 });
    return Page.of(rows.map(toDto), query.limit);
  }

  /** Marks the caller's own notifications among `ids` read; any other id is ignored. */
  async markRead(user: AuthUser, ids: string[]): Promise<MarkReadResponseDto> {
    const result = await this.transactions
      .repository(Notification)
      .createQueryBuilder()
      .update()
      .set({ readAt: () => 'now()' })
      .where('user_id = :userId AND id IN (:...ids) AND read_at IS NULL', { userId: user.id, ids: [...new Set(ids)] })
      .execute();
    return { updated: result.affected ?? 0 };
  }

  /** The user's notifications after `afterId`, oldest first: what a reconnecting socket missed. */
  async after(userId: string, afterId: string, limit: number): Promise<NotificationMessage[]> {
    const rows = await this.transactions.repository(Notification).find({
      where: { userId, id: MoreThan(clampId(afterId)) },
      order: { id: 'ASC' },
      take: limit,
    });
    return rows.map(toMessage);
  }
}

/** Only the fields the documented contract has: what the socket and GET /notifications show. */
function contractFields<K extends NotificationType>(type: K, payload: NotificationPayload<K>): NotificationPayload<K> {
  const fields = Object.keys(NOTIFICATIONS[type].schema.properties) as Array<keyof NotificationPayload<K>>;
  return Object.fromEntries(fields.map((field) => [field, payload[field]])) as unknown as NotificationPayload<K>;
}

function toMessage(row: Notification): NotificationMessage {
  return { type: row.type, notification: { id: row.id, ...row.payload } };
}

function toDto(row: Notification): NotificationDto {
  return {
    id: row.id,
    type: row.type,
    payload: row.payload,
    readAt: row.readAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A cursor beyond PostgreSQL's bigint would be a database error; no id is that large anyway. */
function clampId(id: string): string {
  return BigInt(id) > MAX_BIGINT ? MAX_BIGINT.toString() : id;
}

function isViolation(error: unknown, constraint: string): boolean {
  return error instanceof QueryFailedError && (error.driverError as { constraint?: string }).constraint === constraint;
}
