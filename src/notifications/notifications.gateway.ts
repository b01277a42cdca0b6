import { Inject, Logger, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AuthUser, JwtClaims } from '../auth/auth-user';
import { resolveAuthUser } from '../auth/jwt.strategy';
import { UsersService } from '../users/users.service';
import { readHandshake } from './handshake';
import { ServerToClientEvents } from './notification-events';
import { NotificationsError } from './notifications.errors';
import { NotificationMessage, NotificationsService } from './notifications.service';
import { REALTIME_CLUSTER, RealtimeCluster } from './realtime-cluster';
import { SocketDelivery } from './socket-delivery';

/** Between instances (through the Redis adapter): a stored notification to deliver to a user's local sockets. */
interface ServerSideEvents {
  notification: (userId: string, message: NotificationMessage) => void;
}

interface SocketData {
  user: AuthUser;
  lastNotificationId: string | null;
  /** Seconds since the epoch: the socket is closed when its token expires. */
  expiresAt?: number;
  delivery?: SocketDelivery<NotificationMessage>;
  expiry?: NodeJS.Timeout;
}

type NotificationsNamespace = Namespace<Record<string, never>, ServerToClientEvents, ServerSideEvents, SocketData>;
type NotificationsSocket = Socket<Record<string, never>, ServerToClientEvents, ServerSideEvents, SocketData>;

export const userRoom = (userId: string) => `user:${userId}`;

const REPLAY_PAGE = 200;
/** setTimeout cannot wait longer (about 24.8 days); a token valid for longer is not timed out. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * socket.io namespace /notifications.
 *
 * Handshake: the JWT (`auth.token`, or an `Authorization: Bearer` header) is checked before the socket
 * is accepted — a missing, bad or expired token, or one naming no user, gets `connect_error` with
 * `data: { status, error, message }` and never a connected socket. The socket is closed when its
 * token expires. Each user's sockets share the room `user:<id>`.
 *
 * Delivery: a stored notification is delivered to the user's sockets on this instance and, with
 * REDIS_URL, sent to the other instances as a server-side event that each delivers to its own local
 * sockets. Delivering per socket (rather than broadcasting to the room) is what lets a socket that
 * connects with `auth.lastNotificationId` get its replay first and each notification once: see
 * SocketDelivery.
 */
@WebSocketGateway({ namespace: '/notifications', cors: { origin: true } })
export class NotificationsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(NotificationsGateway.name);

  @WebSocketServer()
  private readonly namespace: NotificationsNamespace;

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
    @Inject(REALTIME_CLUSTER) private readonly cluster: RealtimeCluster | null,
  ) {}

  afterInit(namespace: NotificationsNamespace): void {
    if (this.cluster) {
      namespace.server.adapter(this.cluster.adapter);
      namespace.on('notification', (userId, message) => this.deliverLocally(userId, message));
    }
    namespace.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (error: unknown) => {
          if (!(error instanceof NotificationsError)) {
            this.logger.error(`socket handshake failed: ${(error as Error).message}`, (error as Error).stack);
          }
          const refusal = error instanceof NotificationsError ? error : NotificationsError.unavailable();
          next(Object.assign(new Error(refusal.message), { data: refusal.toRefusal() }));
        },
      );
    });
  }

  async handleConnection(socket: NotificationsSocket): Promise<void> {
    const { user, lastNotificationId, expiresAt } = socket.data;
    if (expiresAt !== undefined) {
      const remaining = expiresAt * 1000 - Date.now();
      if (remaining < MAX_TIMER_MS) socket.data.expiry = setTimeout(() => socket.disconnect(true), Math.max(remaining, 0));
    }
    const delivery = new SocketDelivery<NotificationMessage>(
      (message) => message.notification.id,
      (message) => emit(socket, message),
      { replaying: lastNotificationId !== null },
    );
    socket.data.delivery = delivery;
    try {
      // Registered as a recipient of live pushes before the replay query runs: nothing falls in between.
      await socket.join(userRoom(user.id));
      if (lastNotificationId === null) return;
      await this.replay(socket, delivery, user.id, lastNotificationId);
      delivery.finishReplay();
    } catch (error) {
      this.logger.error(`connection of user ${user.id} failed: ${(error as Error).message}`, (error as Error).stack);
      // Better no socket than one that silently missed notifications: the client reconnects with the same id.
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: NotificationsSocket): void {
    clearTimeout(socket.data.expiry);
  }

  /** Delivers a stored notification to every socket of `userId`, on every instance. */
  push(userId: string, message: NotificationMessage): void {
    this.deliverLocally(userId, message);
    if (this.cluster) this.namespace.serverSideEmit('notification', userId, message);
  }

  private deliverLocally(userId: string, message: NotificationMessage): void {
    for (const socketId of this.namespace.adapter.rooms.get(userRoom(userId)) ?? []) {
      this.namespace.sockets.get(socketId)?.data.delivery?.live(message);
    }
  }

  private async replay(socket: NotificationsSocket, delivery: SocketDelivery<NotificationMessage>, userId: string, after: string) {
    for (let cursor = after; socket.connected; ) {
      const page = await this.notifications.after(userId, cursor, REPLAY_PAGE);
      delivery.replay(page);
      if (page.length < REPLAY_PAGE) return;
      cursor = page[page.length - 1].notification.id;
    }
  }

  private async admit(socket: NotificationsSocket): Promise<void> {
    const { token, lastNotificationId } = readHandshake(socket.handshake.auth, socket.handshake.headers.authorization);
    let claims: JwtClaims & { exp?: number };
    try {
      claims = await this.jwt.verifyAsync<JwtClaims & { exp?: number }>(token, { algorithms: ['HS256'] });
    } catch (error) {
      throw NotificationsError.unauthorized(
        (error as Error).name === 'TokenExpiredError' ? 'The token has expired' : 'The token is not a valid JWT for this service',
      );
    }
    let user: AuthUser;
    try {
      user = await resolveAuthUser(this.users, claims);
    } catch (error) {
      if (error instanceof UnauthorizedException) throw NotificationsError.unauthorized(error.message);
      throw error;
    }
    socket.data = { user, lastNotificationId, expiresAt: claims.exp };
  }
}

function emit<K extends NotificationMessage['type']>(socket: NotificationsSocket, message: NotificationMessage<K>): void {
  (socket.emit as (event: K, notification: NotificationMessage<K>['notification']) => boolean)(message.type, message.notification);
}
