import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Server as IoServer } from 'socket.io';
import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { allowedOrigins, CORS_ALLOWED_HEADERS, isAllowedOrigin } from '../common/cors';
import { connectionLimits, Env } from '../config/env.schema';
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
 * - `maxHttpBufferSize`: a message over SOCKET_MAX_MESSAGE_BYTES closes the connection;
 * - only `/notifications` can be joined: socket.io's default namespace `/` refuses every socket (its
 *   connection is then closed after SOCKET_JOIN_TIMEOUT_MS, as any that joins nothing);
 * - the instance holds at most SOCKET_MAX_CONNECTIONS sockets: a new one beyond it is answered
 *   `503` with `Retry-After` before any session is made, and the client connects again, to another
 *   instance behind a load balancer. Sockets never take the connections that webhooks and API
 *   requests need.
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
    const server: IoServer = super.createIOServer(port, edge as IoServerOptions);
    refuseDefaultNamespace(server);
    limitSessions(server, connectionLimits(this.env).maxSockets);
    return server;
  }
}

/** What a socket connecting to any namespace but /notifications is told (`connect_error` data). */
export const ONLY_NOTIFICATIONS = { status: 404, error: 'NOT_FOUND', message: 'Connect to the /notifications namespace: it is the only one' };

function refuseDefaultNamespace(server: IoServer): void {
  server.of('/').use((_socket, next) => next(Object.assign(new Error(ONLY_NOTIFICATIONS.message), { data: ONLY_NOTIFICATIONS })));
}

/** Seconds a client refused for a full instance is told to wait (a reconnecting client backs off anyway). */
export const FULL_RETRY_AFTER_SECONDS = 5;

/**
 * SOCKET_MAX_CONNECTIONS: a request that would open a new session (no `sid`) when the instance holds
 * that many is answered 503 — a long-polling handshake with the service's error body, a websocket
 * handshake with the same answer written on its socket — and no session is made.
 */
function limitSessions(server: IoServer, maxSockets: number): void {
  server.engine.use((request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => {
    if (server.engine.clientsCount < maxSockets || new URL(request.url ?? '/', 'http://socket').searchParams.has('sid')) {
      next();
      return;
    }
    const body = JSON.stringify({
      status: 503,
      error: 'INSTANCE_FULL',
      message: `This instance holds as many sockets as it may (${maxSockets}); connect again`,
    });
    const headers = { 'Content-Type': 'application/json', 'Retry-After': String(FULL_RETRY_AFTER_SECONDS), 'Content-Length': Buffer.byteLength(body) };
    if (response instanceof ServerResponse) {
      response.writeHead(503, headers).end(body);
      return;
    }
    // A websocket handshake: engine.io hands over the raw connection, not an HTTP response.
    const socket = (response as unknown as { socket: NetSocket }).socket;
    const head = Object.entries({ ...headers, Connection: 'close' }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.end(`HTTP/1.1 503 Service Unavailable\r\n${head.join('')}\r\n${body}`);
  });
}

function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || host === undefined || !URL.canParse(origin)) return false;
  return new URL(origin).host === host;
}
