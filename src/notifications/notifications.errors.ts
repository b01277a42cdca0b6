import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum NotificationsErrorCode {
  /** The socket handshake has no token, a bad or expired one, or one for a user that does not exist. */
  Unauthorized = 'UNAUTHORIZED',
  /** The socket handshake's auth.lastNotificationId is not a notification id. */
  InvalidLastNotificationId = 'INVALID_LAST_NOTIFICATION_ID',
  /** The handshake could not be checked (e.g. the database is unreachable): try again later. */
  Unavailable = 'SERVICE_UNAVAILABLE',
  /** Too many handshakes from this address, or the user already has as many sockets open as allowed. */
  RateLimited = 'RATE_LIMITED',
}

/** What a refused socket receives as `connect_error`: `err.message`, and `err.data` in the REST error shape. */
export interface SocketRefusal {
  status: number;
  error: NotificationsErrorCode;
  message: string;
}

export class NotificationsError extends moduleError<NotificationsErrorCode>({
  [NotificationsErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [NotificationsErrorCode.InvalidLastNotificationId]: HttpStatus.BAD_REQUEST,
  [NotificationsErrorCode.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [NotificationsErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
}) {
  toRefusal(): SocketRefusal {
    return { status: this.status, error: this.code, message: this.message };
  }

  static unauthorized(reason: string): NotificationsError {
    return new NotificationsError(NotificationsErrorCode.Unauthorized, reason);
  }

  static invalidLastNotificationId(): NotificationsError {
    return new NotificationsError(
      NotificationsErrorCode.InvalidLastNotificationId,
      'auth.lastNotificationId must be the id of a notification (digits only, e.g. "1042"); leave it out to get live notifications only',
    );
  }

  static tooManySockets(limit: number): NotificationsError {
    return new NotificationsError(
      NotificationsErrorCode.RateLimited,
      `This user already has ${limit} sockets open, the most allowed: close one (or share one socket between tabs) before opening another`,
    );
  }

  static tooManyHandshakes(retryAfterSeconds: number): NotificationsError {
    const wait = Math.max(1, Math.ceil(retryAfterSeconds));
    return new NotificationsError(NotificationsErrorCode.RateLimited, `Too many connection attempts from this address; retry in ${wait} s`);
  }

  static unavailable(): NotificationsError {
    return new NotificationsError(NotificationsErrorCode.Unavailable, 'The connection could not be checked right now; please retry');
  }
}
