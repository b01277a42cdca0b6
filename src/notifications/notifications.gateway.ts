import { Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AuthUser } from '../auth/auth-user';
import { AuthError, AuthErrorCode } from '../auth/auth.errors';
import { Authenticator } from '../auth/authenticator';
import { UsersService } from '../users/users.service';
import { DeliveryLog } from './delivery-log';
import { ExpiryBuckets } from './expiry-buckets';
import { readHandshake } from './handshake';
import { HandshakeLimiter } from './handshake-limit';
import { ServerToClientEvents } from './notification-events';
import { NotificationsError } from './notifications.errors';
import { NotificationMessage, NotificationsService } from './notifications.service';
import { REALTIME_CLUSTER, RealtimeCluster } from './realtime-cluster';
import { SocketDelivery } from './socket-delivery';
import { SocketQuota } from './socket-quota';

/** Between instances (through the Redis adapter): a stored notification to deliver to a user's local sockets. */
interface ServerSideEvents {
  notification: (userId: string, message: NotificationMessage) => void;
}

interface SocketData {
  user: AuthUser;
  lastNotificationId: string | null;
  /** Seconds since the epoch: the socket is closed when its token expires. */
  expiresAt: number;
  /** Stops counting the socket against its user's quota (when the socket or its connection closes). */
  release: () => void;
  delivery?: SocketDelivery<NotificationMessage>;
}

type NotificationsNamespace = Namespace<Record<string, never>, ServerToClientEvents, ServerSideEvents, SocketData>;
type NotificationsSocket = Socket<Record<string, never>, ServerToClientEvents, ServerSideEvents, SocketData>;

export const userRoom = (userId: string) => `user:${userId}`;

/**
 * A reconnecting socket is sent at most this many of the notifications it missed, the newest; it
 * reads older ones with GET /notifications. Bounds what one handshake costs the instance.
 */
export const REPLAY_LIMIT = 500;

/**
 * When the link between instances is lost, pushes made up to this long before it was noticed may
 * have been lost too: the catch-up reads back from this far.
 */
export const CATCH_UP_GRACE_MS = 10_000;
/** Deliveries are remembered at least this long (and, during an outage, since it began) to deliver each once. */
const DELIVERY_MEMORY_MS = 60_000;
/** A catch-up that failed (the database unreachable too) is tried again after this. */
const CATCH_UP_RETRY_MS = 5_000;
/** Open sockets are checked against their users this often: a deleted or demoted user's socket is closed within it. */
export const USER_RECHECK_MS = 5_000;
/** Users per re-check statement. */
const RECHECK_USERS_PER_QUERY = 5_000;

/**
 * socket.io namespace /notifications.
 *
 * Handshake, in this order, each refusal a `connect_error` with `data: { status, error, message }` and
 * never a connected socket:
 * - handshakes per client IP and minute are limited (RATE_LIMITED, 429), bad tokens included;
 * - the JWT (`auth.token`, or an `Authorization: Bearer` header) is checked with the same policy as
 *   HTTP (signature, exp required, lifetime cap, iat, issuer/audience when configured) and must name
 *   a user (UNAUTHORIZED, 401);
 * - the user may have SOCKET_MAX_CONNECTIONS_PER_USER sockets open across all instances (RATE_LIMITED).
 * The socket is closed when its token expires, however far away that is, and within USER_RECHECK_MS
 * of its user being deleted or given another role (a demoted moderator stops hearing of purchases;
 * a client that reconnects gets what its role now allows). Each user's sockets share
 * the room `user:<id>`. The gateway has no inbound events: the adapter (EdgeIoAdapter) closes a
 * connection that sends a message over a few kilobytes, and refuses browser origins not allowed.
 *
 * Delivery: a stored notification is delivered to the user's sockets on this instance and, with
 * REDIS_URL, sent to the other instances as a server-side event that each delivers to its own local
 * sockets. Delivering per socket (rather than broadcasting to the room) is what lets a socket that
 * connects with `auth.lastNotificationId` get its replay first and each notification once: see
 * SocketDelivery.
 *
 * Replay: a socket connecting with `auth.lastNotificationId` gets the newest REPLAY_LIMIT (500)
 * notifications after it, in id order; when it missed more, it reads the older ones with
 * `GET /notifications?cursor=<id of the first replayed notification>`.
 *
 * Redis outages (SPEC §12): pushes to this instance's sockets go on; what other instances pushed
 * while the link was down is read back from the database as soon as it is up again (`catchUp`),
 * without waiting for the sockets to reconnect. Each notification is delivered to a user's sockets
 * once, however many ways it arrives (DeliveryLog).
 */
@WebSocketGateway({ namespace: '/notifications' })
export class NotificationsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationsGateway.name);
  private readonly delivered = new DeliveryLog();
  /** Sockets by the second their token expires: one sweep a second closes the expired ones (no timer per socket). */
  private readonly expiries = new ExpiryBuckets<NotificationsSocket>();
  /** Since when pushes from other instances may have been lost (epoch ms); undefined while linked. */
  private gapSince?: number;
  /** Grows with every loss of the link: a catch-up only closes the gap it was started for. */
  private gapGeneration = 0;
  private sweeper?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private recheck?: NodeJS.Timeout;
  private expirySweep?: NodeJS.Timeout;

  @WebSocketServer()
  private readonly namespace: NotificationsNamespace;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
    @Inject(REALTIME_CLUSTER) private readonly cluster: RealtimeCluster | null,
    private readonly quota: SocketQuota,
    private readonly handshakes: HandshakeLimiter,
  ) {}

  afterInit(namespace: NotificationsNamespace): void {
    this.recheck = setInterval(() => void this.recheckUsers(), USER_RECHECK_MS);
    this.recheck.unref();
    this.expirySweep = setInterval(() => {
      for (const socket of this.expiries.due(Date.now())) socket.disconnect(true);
    }, 1000);
    this.expirySweep.unref();
    if (this.cluster) {
      const cluster = this.cluster;
      namespace.server.adapter(cluster.adapter);
      namespace.on('notification', (userId, message) => this.deliverLocally(userId, message));
      cluster.onChange((connected) => (connected ? void this.catchUp() : this.openGap()));
      if (!cluster.connected) this.openGap();
      this.sweeper = setInterval(() => this.delivered.forget(Math.min(Date.now() - DELIVERY_MEMORY_MS, this.gapSince ?? Infinity)), DELIVERY_MEMORY_MS / 6);
      this.sweeper.unref();
    }
    namespace.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (error: unknown) => {
          if (!(error instanceof NotificationsError)) {
            this.logger.error(`socket ${socket.id} handshake failed: ${(error as Error).message}`, (error as Error).stack);
          }
          const refusal = error instanceof NotificationsError ? error : NotificationsError.unavailable();
          this.logger.log(`socket ${socket.id} refused: ${refusal.status} ${refusal.code} (${refusal.message})`);
          next(Object.assign(new Error(refusal.message), { data: refusal.toRefusal() }));
        },
      );
    });
  }

  async handleConnection(socket: NotificationsSocket): Promise<void> {
    const { user, lastNotificationId, expiresAt } = socket.data;
    this.expiries.add(socket, expiresAt * 1000);
    const delivery = new SocketDelivery<NotificationMessage>(
      (message) => message.notification.id,
      (message) => emit(socket, message),
      { replaying: lastNotificationId !== null },
    );
    socket.data.delivery = delivery;
    this.logger.log(`socket ${socket.id} connected: user ${user.id}` + (lastNotificationId === null ? '' : `, replay after ${lastNotificationId}`));
    try {
      // Registered as a recipient of live pushes before the replay query runs: nothing falls in between.
      await socket.join(userRoom(user.id));
      if (lastNotificationId === null) return;
      delivery.replay(await this.notifications.after(user.id, lastNotificationId, REPLAY_LIMIT));
      delivery.finishReplay();
    } catch (error) {
      this.logger.error(`connection of user ${user.id} failed: ${(error as Error).message}`, (error as Error).stack);
      // Better no socket than one that silently missed notifications: the client reconnects with the same id.
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: NotificationsSocket): void {
    if (socket.data.user) this.logger.log(`socket ${socket.id} disconnected: user ${socket.data.user.id}`);
    if (socket.data.expiresAt !== undefined) this.expiries.remove(socket, socket.data.expiresAt * 1000);
    socket.conn.off('close', socket.data.release);
    socket.data.release();
  }

  onApplicationShutdown(): void {
    clearInterval(this.recheck);
    clearInterval(this.expirySweep);
    clearInterval(this.sweeper);
    clearTimeout(this.retry);
  }

  /** Delivers a stored notification to every socket of `userId`, on every instance. */
  push(userId: string, message: NotificationMessage): void {
    this.deliverLocally(userId, message);
    if (this.cluster) this.namespace.serverSideEmit('notification', userId, message);
  }

  /** To the user's sockets on this instance, once (a notification may arrive again around an outage). */
  private deliverLocally(userId: string, message: NotificationMessage): boolean {
    const room = this.namespace.adapter.rooms.get(userRoom(userId));
    if (!room || !this.delivered.first(userId, message.notification.id)) return false;
    for (const socketId of room) {
      this.namespace.sockets.get(socketId)?.data.delivery?.live(message);
    }
    return true;
  }

  /**
   * Closes the sockets whose user no longer exists or no longer has the role the socket was opened
   * with: one statement per RECHECK_USERS_PER_QUERY users, whatever the number of sockets. A failed
   * read (the database busy) closes nothing; the next round tries again.
   */
  async recheckUsers(): Promise<void> {
    const sockets = [...this.namespace.sockets.values()].filter((socket) => socket.data.user !== undefined);
    const ids = [...new Set(sockets.map((socket) => socket.data.user.id))];
    const roles = new Map<string, string>();
    try {
      for (let start = 0; start < ids.length; start += RECHECK_USERS_PER_QUERY) {
        for (const identity of await this.users.findIdentities(ids.slice(start, start + RECHECK_USERS_PER_QUERY))) roles.set(identity.id, identity.role);
      }
    } catch (error) {
      this.logger.warn(`open sockets not re-checked (${(error as Error).message}); next round in ${USER_RECHECK_MS / 1000} s`);
      return;
    }
    for (const socket of sockets) {
      const { id, role } = socket.data.user;
      const now = roles.get(id);
      if (now === role) continue;
      this.logger.log(`socket ${socket.id} closed: user ${id} ${now === undefined ? 'no longer exists' : `is now ${now}, not ${role}`}`);
      socket.disconnect(true);
    }
  }

  /** The link to the other instances is lost: what they push from now on (and just before) does not arrive. */
  private openGap(): void {
    this.gapGeneration += 1;
    this.gapSince ??= Date.now() - CATCH_UP_GRACE_MS;
    clearTimeout(this.retry);
  }

  /**
   * The link is back: reads what the users of this instance's sockets were sent since the gap
   * opened and delivers what they have not had. Tried again while the database does not answer.
   */
  private async catchUp(): Promise<void> {
    const since = this.gapSince;
    const generation = this.gapGeneration;
    if (since === undefined) return;
    const users = [...new Set([...this.namespace.sockets.values()].map((socket) => socket.data.user?.id).filter((id) => id !== undefined))];
    try {
      const missed = await this.notifications.createdSince(users, new Date(since), REPLAY_LIMIT);
      let sent = 0;
      for (const [userId, messages] of missed) {
        for (const message of messages) if (this.deliverLocally(userId, message)) sent += 1;
      }
      if (generation === this.gapGeneration) this.gapSince = undefined;
      this.logger.log(`caught up after the Redis outage: ${sent} missed notifications delivered to ${users.length} users' sockets`);
    } catch (error) {
      this.logger.warn(`catch-up after the Redis outage failed (${(error as Error).message}); retrying in ${CATCH_UP_RETRY_MS / 1000} s`);
      if (generation === this.gapGeneration) this.retry = setTimeout(() => void this.catchUp(), CATCH_UP_RETRY_MS).unref();
    }
  }

  private async admit(socket: NotificationsSocket): Promise<void> {
    await this.handshakes.check(socket.handshake.address, socket.handshake.headers['x-forwarded-for']);
    const { token, lastNotificationId } = readHandshake(socket.handshake.auth, socket.handshake.headers.authorization);
    let user: AuthUser;
    let expiresAt: number;
    try {
      // The same verification and user as HTTP (JwtStrategy): one answer for one token.
      ({ user, verified: { exp: expiresAt } } = await this.authenticator.authenticate(token));
    } catch (error) {
      if (error instanceof AuthError && error.code === AuthErrorCode.Unauthorized) throw NotificationsError.unauthorized(error.message);
      throw error;
    }
    await this.reserve(socket, user.id);
    socket.data.user = user;
    socket.data.lastNotificationId = lastNotificationId;
    socket.data.expiresAt = expiresAt;
  }

  /**
   * Counts the socket against its user's quota until it disconnects — or until its connection
   * closes, which also covers a client that left while its handshake was being checked (such a
   * socket never connects, so it never disconnects either).
   */
  private async reserve(socket: NotificationsSocket, userId: string): Promise<void> {
    if (!(await this.quota.acquire(userId, socket.id))) throw NotificationsError.tooManySockets(this.quota.limit);
    const release = () => void this.quota.release(socket.id);
    socket.data.release = release;
    if (socket.conn.readyState === 'closed') release();
    else socket.conn.once('close', release);
  }
}

function emit<K extends NotificationMessage['type']>(socket: NotificationsSocket, message: NotificationMessage<K>): void {
  (socket.emit as (event: K, notification: NotificationMessage<K>['notification']) => boolean)(message.type, message.notification);
}
