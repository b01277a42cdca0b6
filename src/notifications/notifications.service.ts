import { Injectable, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import { batchOrEach } from '../common/batch-or-each';
import { MicroBatcher } from '../common/micro-batcher';
import { Page } from '../common/pagination';
import { TransactionRunner } from '../database/transaction';
import { MarkReadResponseDto, NotificationDto, NotificationsQuery } from './dto/notification.dto';
import { Notification } from './entities/notification.entity';
import { NOTIFICATIONS, NotificationPayload, NotificationType, PushedNotification } from './notification-events';
import { NewNotification, NotificationsRepository } from './notifications.repository';

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

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly repository: NotificationsRepository,
  ) {}

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
    const request: NewNotification = { userId, type, payload: contractFields(type, payload), eventId };
    return this.recorder.submit(request) as Promise<NotificationMessage<K> | null>;
  }

  private readonly recorder = new MicroBatcher<NewNotification, NotificationMessage | null>((requests) => this.recordAll(requests), {
    maxBatch: 200,
    concurrency: 1,
  });

  /** One INSERT for all; if it fails (say, one user was deleted meanwhile), one INSERT each, in order. */
  private recordAll(requests: NewNotification[]): Promise<Array<PromiseSettledResult<NotificationMessage | null>>> {
    // Alone one after another, so that ids still follow the order of the events.
    return batchOrEach(requests, (batch) => this.insert(batch), (request) => this.recordOne(request), { sequential: true });
  }

  private async recordOne(request: NewNotification): Promise<NotificationMessage | null> {
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

  private async insert(requests: NewNotification[]): Promise<Array<NotificationMessage | null>> {
    const ids = await this.repository.insertAll(requests);
    return requests.map((request, i) => {
      const id = ids[i];
      return id === null ? null : { type: request.type, notification: { id, ...request.payload } };
    });
  }

  /**
   * The caller's notifications, newest first, keyset-paginated; optionally only the unread ones. A
   * history: read on the replica (sockets push new ones and replay from the primary).
   */
  async list(user: AuthUser, query: NotificationsQuery): Promise<Page<NotificationDto>> {
    const rows = await this.transactions.onReplica(() =>
      this.repository.listNewestFirst(user.id, {
        take: query.limit + 1,
        beforeId: query.cursor && clampId(query.cursor),
        unreadOnly: query.unread,
      }),
    );
    return Page.of(rows.map(toDto), query.limit);
  }

  /** Marks the caller's own notifications among `ids` read; any other id is ignored. */
  async markRead(user: AuthUser, ids: string[]): Promise<MarkReadResponseDto> {
    return { updated: await this.repository.markRead(user.id, ids) };
  }

  /**
   * The newest `limit` of the user's notifications after `afterId`, in id order: what a reconnecting
   * socket missed, or its most recent part (the older ones are read with `list`).
   */
  async after(userId: string, afterId: string, limit: number): Promise<NotificationMessage[]> {
    const rows = await this.repository.newestAfter(userId, clampId(afterId), limit);
    return rows.map(toMessage);
  }

  /**
   * Per user, the newest `limit` of their notifications created since `since`, in id order: what
   * their sockets on an instance may have missed while it was cut off from the others.
   */
  async createdSince(userIds: readonly string[], since: Date, limit: number): Promise<Map<string, NotificationMessage[]>> {
    const byUser = new Map<string, NotificationMessage[]>();
    for (let start = 0; start < userIds.length; start += CATCH_UP_USERS_PER_QUERY) {
      for (const row of await this.repository.createdSince(userIds.slice(start, start + CATCH_UP_USERS_PER_QUERY), since, limit)) {
        const messages = byUser.get(row.userId);
        if (messages) messages.push(toMessage(row));
        else byUser.set(row.userId, [toMessage(row)]);
      }
    }
    return byUser;
  }
}

/** Users per catch-up statement: bounds one statement's work and parameters. */
const CATCH_UP_USERS_PER_QUERY = 1_000;

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
