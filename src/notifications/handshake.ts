import { NotificationsError } from './notifications.errors';

export interface Handshake {
  token: string;
  /** Replay everything after this notification id first; null: live notifications only. */
  lastNotificationId: string | null;
}

const NOTIFICATION_ID = /^\d{1,18}$/;

/**
 * Reads what a socket sends when it connects: the JWT from `auth.token` (browsers) or an
 * `Authorization: Bearer` header (servers), and the optional `auth.lastNotificationId`, a string of
 * digits (a non-negative integer is accepted too). Anything else is refused, never guessed at.
 */
export function readHandshake(auth: unknown, authorization: string | undefined): Handshake {
  const fields = (typeof auth === 'object' && auth !== null ? auth : {}) as { token?: unknown; lastNotificationId?: unknown };
  return { token: readToken(fields.token, authorization), lastNotificationId: readLastNotificationId(fields.lastNotificationId) };
}

function readToken(token: unknown, authorization: string | undefined): string {
  if (token !== undefined && token !== null) {
    if (typeof token !== 'string' || token.trim() === '') throw NotificationsError.unauthorized('auth.token must be a JWT string');
    return token.trim().replace(/^Bearer\s+/i, '');
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match) return match[1];
  throw NotificationsError.unauthorized('A bearer token is required: pass the JWT as auth.token (or an Authorization: Bearer header)');
}

function readLastNotificationId(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof text !== 'string' || !NOTIFICATION_ID.test(text)) throw NotificationsError.invalidLastNotificationId();
  return BigInt(text).toString();
}
