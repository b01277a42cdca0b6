import type { IncomingMessage } from 'node:http';
import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { allowedOrigins, CORS_ALLOWED_HEADERS, isAllowedOrigin } from '../common/cors';
import { Env } from '../config/env.schema';
import { HandshakeLimiter } from './handshake-limit';

type IoServerOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;

/**
 * The largest message a client may send, in bytes. The gateway has no inbound events: what a client
 * sends is its handshake (the token) and protocol pings. A bigger frame closes the connection.
 */
export const SOCKET_MAX_MESSAGE_BYTES = 4 * 1024;

/**
 * How long a connection may stay open without joining the namespace (socket.io's default is 45 s).
 * A client joins right after the connection opens; one that never does only holds a connection.
 */
export const SOCKET_JOIN_TIMEOUT_MS = 10_000;

/**
 * The socket.io server of the gateway, with the edge's limits:
 * - CORS from the REST allow-list (`CORS_ORIGINS`, else the origin of APP_URL), no credentials mode:
 *   the token travels in the handshake, never in a cookie;
 * - an engine.io handshake with an `Origin` header that is not listed is refused (403). CORS only
 *   stops a browser from reading answers; a websocket upgrade is not subject to it at all, so this
 *   check is what keeps other sites' pages off the socket. Clients that send no Origin (servers,
 *   mobile apps) are not browsers' pages and are let through to the token check;
 * - new connections per client IP and minute are bounded (twice RATE_LIMIT_ANONYMOUS_PER_MINUTE,
 *   `HandshakeLimiter.admitsConnection`), and a connection that has not joined the namespace after
 *   SOCKET_JOIN_TIMEOUT_MS is closed: one address cannot hold the instance's connections by opening
 *   sockets that never authenticate;
 * - `maxHttpBufferSize`: a message over SOCKET_MAX_MESSAGE_BYTES closes the connection.
 */
export class EdgeIoAdapter extends IoAdapter {
  private handshakes?: HandshakeLimiter;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly env: Env,
  ) {
    super(app);
  }

  /** The notifications module's limiter (its Redis or memory storage), found once the app is built. */
  private limiter(): HandshakeLimiter {
    return (this.handshakes ??= this.app.get(HandshakeLimiter, { strict: false }));
  }

  override createIOServer(port: number, options?: IoServerOptions): ReturnType<IoAdapter['createIOServer']> {
    const allowed = allowedOrigins(this.env);
    const edge: Partial<IoServerOptions> = {
      ...options,
      cors: {
        origin: (origin, callback) => callback(null, origin !== undefined && isAllowedOrigin(origin, allowed)),
        methods: ['GET', 'POST'],
        allowedHeaders: CORS_ALLOWED_HEADERS,
        credentials: false,
      },
      maxHttpBufferSize: SOCKET_MAX_MESSAGE_BYTES,
      connectTimeout: SOCKET_JOIN_TIMEOUT_MS,
      allowRequest: (request: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void) => {
        const origin = request.headers.origin;
        // A page served by this service itself (the reference client) is same-origin: not a cross-site caller.
        if (!isAllowedOrigin(origin, allowed) && !isSameOrigin(origin, request.headers.host)) {
          callback(`Origin ${origin} is not allowed to connect (CORS_ORIGINS)`, false);
          return;
        }
        this.limiter()
          .admitsConnection(request.socket.remoteAddress ?? '', request.headers['x-forwarded-for'])
          .then(
            (admitted) => callback(admitted ? null : 'Too many connections from this address; retry in a minute', admitted),
            (error: unknown) => callback(`connection budget unavailable: ${(error as Error).message}`, false),
          );
      },
    };
    // socket.io takes partial options and fills in its defaults; the adapter's type asks for all of them.
    return super.createIOServer(port, edge as IoServerOptions);
  }
}

function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || host === undefined || !URL.canParse(origin)) return false;
  return new URL(origin).host === host;
}
