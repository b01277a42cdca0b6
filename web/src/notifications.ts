import { io, Socket } from 'socket.io-client';
import type { NotificationEvents, NotificationType } from './types';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface NotificationHandlers {
  onNotification<K extends NotificationType>(type: K, notification: NotificationEvents[K]): void;
  onState(state: ConnectionState, reason?: string): void;
}

const lastIdKey = (userId: string) => `profile-points.lastNotificationId.${userId}`;

export function lastNotificationId(userId: string): string | null {
  return localStorage.getItem(lastIdKey(userId));
}

/** Remembers the highest id seen, so the next connection (after a reload too) replays only what came after. */
export function rememberNotificationId(userId: string, id: string): void {
  const last = lastNotificationId(userId);
  if (last === null || BigInt(id) > BigInt(last)) localStorage.setItem(lastIdKey(userId), id);
}

/**
 * Subscribes to the socket.io namespace /notifications. The handshake sends the bearer token and the
 * last notification id, both re-read on every reconnection: the server first replays every
 * notification after that id, then pushes new ones, each exactly once. Returns the unsubscribe.
 */
export function subscribe(token: string, userId: string, types: readonly NotificationType[], handlers: NotificationHandlers): () => void {
  const socket: Socket = io('/notifications', {
    // WebSocket only: no sticky sessions needed behind a load balancer.
    transports: ['websocket'],
    auth: (callback) => callback({ token, ...withLastId(userId) }),
  });
  handlers.onState('connecting');
  socket.on('connect', () => handlers.onState('connected'));
  socket.on('disconnect', (reason) => {
    // The server closed it (e.g. the token expired): socket.io does not reconnect by itself then.
    if (reason === 'io server disconnect') handlers.onState('refused', reason);
    else handlers.onState('reconnecting');
  });
  socket.on('connect_error', (error: Error & { data?: { message?: string } }) => {
    // A refused handshake (bad token, too many sockets) is final; a network error is retried.
    if (socket.active) handlers.onState('reconnecting');
    else handlers.onState('refused', error.data?.message ?? error.message);
  });
  for (const type of types) {
    socket.on(type, (notification: NotificationEvents[typeof type]) => {
      rememberNotificationId(userId, notification.id);
      handlers.onNotification(type, notification);
    });
  }
  return () => {
    socket.disconnect();
  };
}

function withLastId(userId: string): { lastNotificationId?: string } {
  const last = lastNotificationId(userId);
  return last === null ? {} : { lastNotificationId: last };
}

/** Starts the replay point over, e.g. from the newest notification a page has just read over REST. */
export function setNotificationId(userId: string, id: string): void {
  localStorage.setItem(lastIdKey(userId), id);
}
