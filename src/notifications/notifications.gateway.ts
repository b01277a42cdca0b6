import { Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AuthUser, JwtClaims } from '../auth/auth-user';
import { resolveAuthUser } from '../auth/jwt.strategy';
import { UsersService } from '../users/users.service';
import { ServerToClientEvents } from './notification-events';

interface SocketData {
  user: AuthUser;
}

export const userRoom = (userId: string) => `user:${userId}`;

/**
 * socket.io namespace /notifications. The JWT (handshake `auth.token`, or an `Authorization: Bearer`
 * header) is checked before the connection is accepted: a bad token gets `connect_error` with
 * `data.code`, never a connected socket. Each user's sockets share one room.
 */
@WebSocketGateway({ namespace: '/notifications', cors: { origin: true } })
export class NotificationsGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(NotificationsGateway.name);

  @WebSocketServer()
  private readonly namespace: Namespace<Record<string, never>, ServerToClientEvents>;

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      this.authenticate(socket)
        .then((user) => {
          socket.data = { user } satisfies SocketData;
          next();
        })
        .catch((error: Error) => {
          const refusal = new Error(error.message) as Error & { data: unknown };
          refusal.data = { code: 'UNAUTHORIZED', message: error.message };
          next(refusal);
        });
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    const { user } = socket.data as SocketData;
    await socket.join(userRoom(user.id));
  }

  push<K extends keyof ServerToClientEvents>(userId: string, event: K, ...payload: Parameters<ServerToClientEvents[K]>): void {
    this.namespace.to(userRoom(userId)).emit(event, ...payload);
  }

  private async authenticate(socket: Socket): Promise<AuthUser> {
    const header = socket.handshake.headers.authorization;
    const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const token = typeof fromAuth === 'string' ? fromAuth : header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!token) throw new Error('A bearer token is required in auth.token');
    let claims: JwtClaims;
    try {
      claims = await this.jwt.verifyAsync<JwtClaims>(token, { algorithms: ['HS256'] });
    } catch (error) {
      const reason = (error as Error).name === 'TokenExpiredError' ? 'The token has expired' : 'The token is not valid';
      throw new Error(reason, { cause: error });
    }
    try {
      return await resolveAuthUser(this.users, claims);
    } catch (error) {
      this.logger.debug(`socket refused: ${(error as Error).message}`);
      throw new Error((error as Error).message, { cause: error });
    }
  }
}
