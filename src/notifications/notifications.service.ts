import { Injectable, Logger } from '@nestjs/common';
import { FindOptionsWhere, IsNull, LessThan, MoreThan, QueryFailedError } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import { batchOrEach } from '../common/batch-or-each';
import { MicroBatcher } from '../common/micro-batcher';
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

interface RecordRequest {
  userId: string;
  type: NotificationType;
  payload: NotificationPayload<NotificationType>;
  eventId: string;
}

/** The store behind GET /notifications, POST /notifications/read and the socket replay. */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * Stores the notification of one event for one user and returns it, or null when that event was
   * already stored for that user (the relay publishes at least once) or the user no longer exists.
   * Called outside any transaction: the row is committed when this resolves, so it can be pushed.
   * Calls that arrive together (the relay publishes a batch of events at once) are stored in one
   * INSERT, in the order they were made, one INSERT at a time: a user's notifications get
   * increasing ids in the order of their events, and they resolve, and are pushed, in that order.
   */
  record<K extends NotificationType>(userId: string, type: K, payload: NotificationPayload<K>, eventId: string): Promise<NotificationMessage<K> | null> {
    if (this.transactions.inTransaction) throw new Error('notifications are stored in their own transaction, then pushed');
    const request: RecordRequest = { userId, type, payload: contractFields(type, payload), eventId };
    return this.recorder.submit(request) as Promise<NotificationMessage<K> | null>;
  }

  private readonly recorder = new MicroBatcher<RecordRequest, NotificationMessage | null>((requests) => this.recordAll(requests), {
    maxBatch: 200,
    concurrency: 1,
  });

  /** One INSERT for all; if it fails (say, one user was deleted meanwhile), one INSERT each, in order. */
  private recordAll(requests: RecordRequest[]): Promise<Array<PromiseSettledResult<NotificationMessage | null>>> {
    // Alone one after another, so that ids still follow the order of the events.
    return batchOrEach(requests, (batch) => this.insert(batch), (request) => this.recordOne(request), { sequential: true });
  }

  private async recordOne(request: RecordRequest): Promise<NotificationMessage | null> {
    try {
      return (await this.insert([request]))[0];
    } catch (error) {
      if (isViolation(error, 'fk_notifications_user')) {
        this.logger.warn(`${request.type} event ${request.eventId} names user ${request.userId}, who does not exist: not notified`);
        return null;
      }
      throw error;
    }
  }

  private async insert(requests: RecordRequest[]): Promise<Array<NotificationMessage | null>> {
    const rows = await this.transactions.manager.query<Array<{ id: string; user_id: string; event_id: string }>>(
      `INSERT INTO notifications (user_id, type, payload, event_id)
       SELECT user_id, type, payload, event_id
         FROM unnest($1::bigint[], $2::text[], $3::jsonb[], $4::uuid[]) WITH ORDINALITY AS r(user_id, type, payload, event_id, n)
        ORDER BY n
       ON CONFLICT ON CONSTRAINT uq_notifications_event_user DO NOTHING
       RETURNING id, user_id, event_id`,
      [
        requests.map((request) => request.userId),
        requests.map((request) => request.type),
        requests.map((request) => JSON.stringify(request.payload)),
        requests.map((request) => request.eventId),
      ],
    );
    // (event, user) is unique: a key stored now belongs to the first request that carries it.
    const stored = new Map(rows.map((row) => [`${row.event_id}/${row.user_id}`, row.id]));
    return requests.map((request) => {
      const key = `${request.eventId.toLowerCase()}/${request.userId}`;
      const id = stored.get(key);
      stored.delete(key);
      return id === undefined ? null : { type: request.type, notification: { id, ...request.payload } };
    });
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

  /**
   * The newest `limit` of the user's notifications after `afterId`, in id order: what a reconnecting
   * socket missed, or its most recent part (the older ones are read with `list`).
   */
  async after(userId: string, afterId: string, limit: number): Promise<NotificationMessage[]> {
    const rows = await this.transactions.repository(Notification).find({
      where: { userId, id: MoreThan(clampId(afterId)) },
      order: { id: 'DESC' },
      take: limit,
    });
    return rows.reverse().map(toMessage);
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
