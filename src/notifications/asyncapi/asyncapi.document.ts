import { withNotificationId } from '../json-schema';
import { NOTIFICATION_TYPES, NOTIFICATIONS, NotificationType } from '../notification-events';
import { NotificationsErrorCode } from '../notifications.errors';

/** An AsyncAPI 3.0 document; typed loosely, its structure is checked by test. */
export type AsyncApiDocument = Record<string, unknown> & { asyncapi: '3.0.0' };

export interface AsyncApiServer {
  /** host[:port] the API is reached at; the websocket is on the same origin. */
  host: string;
  secure: boolean;
}

/** The bounds a client must know about (configured per deployment). */
export interface SocketLimits {
  /** SOCKET_MAX_CONNECTIONS_PER_USER: open sockets per user, all instances together. */
  socketsPerUser: number;
  /** RATE_LIMIT_ANONYMOUS_PER_MINUTE: handshakes per client IP and minute. */
  handshakesPerMinute: number;
  /** How long a connection may stay open without joining the namespace. */
  joinTimeoutMs: number;
  /** Notifications replayed at most on reconnection (the newest). */
  replayLimit: number;
  /** The largest message a client may send. */
  maxMessageBytes: number;
}

const EXAMPLE_TIME = '2026-01-15T10:30:00.000Z';

const description = (limits: SocketLimits) => `
Realtime notifications of Profile Points, pushed over **socket.io v4** (namespace \`/notifications\`,
on the same origin as the REST API, path \`/socket.io/\`). Every message is also stored and listed by
\`GET /notifications\` (same \`id\`); the REST API is described at \`/docs\`.

**Connecting.** Pass the REST bearer JWT in the handshake:
\`io('https://api.example.com/notifications', { auth: { token: '<JWT>', lastNotificationId: '1041' } })\`
(server-side clients may send an \`Authorization: Bearer <JWT>\` header instead). The token is checked
exactly as the REST API checks it (it must expire, within the configured lifetime). A missing,
malformed, expired or unknown-user token is refused *before* the connection opens: the client gets
\`connect_error\` whose \`err.data\` is \`{ status, error, message }\` (see the ConnectError schema). The
server closes the socket when its token expires: get a fresh token and reconnect.

**Browsers.** A page may connect only from an origin allowed for the REST API (\`CORS_ORIGINS\`); from
any other origin the handshake is refused with HTTP 403 before socket.io starts (\`connect_error\`
without \`data\`). Clients that send no \`Origin\` (servers, apps) only need the token.

**Limits.** Each refused with \`connect_error\` \`{ status: 429, error: "${NotificationsErrorCode.RateLimited}", message }\`:
- at most ${limits.socketsPerUser} sockets open per user, all instances together: close one (or share
  one socket between a user's tabs) before opening another. A closed socket frees its place at once;
  the sockets of an instance that stopped abruptly free theirs within a minute;
- at most ${limits.handshakesPerMinute} handshakes per minute from one client address, refused ones
  included: reconnect with a backoff, not in a loop.

A connection must join \`/notifications\` within ${limits.joinTimeoutMs / 1000} s of opening (socket.io clients do at once), and one
address may open at most ${2 * limits.handshakesPerMinute} connections per minute: beyond, the engine refuses the connection
with HTTP 403 before socket.io starts (\`connect_error\` without \`data\`).

The service receives no events: a client message over ${limits.maxMessageBytes} bytes closes the connection.

**Receiving.** The event name is the notification type; the payload is the stored notification's
payload plus its \`id\`. A user receives only their own notifications: moderators \`points.purchased\`,
\`points.reversed\`, \`points.restored\`; clients \`purchase.completed\`, \`payment.failed\`; every admin
\`fraud_warning.created\` and \`payout_details.changed\`.

**Resuming.** Ids increase. Keep the highest \`id\` received and reconnect with
\`auth.lastNotificationId\` set to it: the stored notifications after it are sent first, in id order,
then live ones — each exactly once, also when one is stored while the replay runs. The replay is the
**newest ${limits.replayLimit}** notifications after \`lastNotificationId\`: if more were missed, read the
older ones with \`GET /notifications?cursor=<id of the first replayed notification>\` (newest first,
follow \`nextCursor\`) until you reach your \`lastNotificationId\`. Ids are not consecutive, so a
client that may have been away long should always make that call: it costs one request when nothing
older was missed. Without \`lastNotificationId\` only live notifications are sent (list older ones with
\`GET /notifications\`).
A \`lastNotificationId\` that is not a string of digits is refused with \`${NotificationsErrorCode.InvalidLastNotificationId}\`.

**Several instances.** Behind a load balancer, use the websocket transport only
(\`transports: ['websocket']\`) or sticky sessions; any instance delivers any user's notifications.
`.trim();

function exampleOf(type: NotificationType): Record<string, unknown> {
  const { properties } = withNotificationId(NOTIFICATIONS[type].schema, '');
  return Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => {
      const property = schema as { example?: unknown; format?: string };
      return [name, property.example ?? (property.format === 'date-time' ? EXAMPLE_TIME : null)];
    }),
  );
}

const schemaName = (type: NotificationType) => `${NOTIFICATIONS[type].schema.title}Notification`;
const operationId = (type: NotificationType) => `send${NOTIFICATIONS[type].schema.title}`;

/** Built from the same typed map (NOTIFICATIONS) as the socket events and the REST DTOs. */
export function buildAsyncApiDocument(server: AsyncApiServer, limits: SocketLimits): AsyncApiDocument {
  const messages = Object.fromEntries(
    NOTIFICATION_TYPES.map((type) => [
      type,
      {
        name: type,
        title: type,
        summary: NOTIFICATIONS[type].summary,
        description: NOTIFICATIONS[type].recipient
          ? `Sent to the ${NOTIFICATIONS[type].audience} concerned (room \`user:<id>\`).`
          : 'Sent to every admin (each in their room `user:<id>`).',
        contentType: 'application/json',
        payload: { $ref: `#/components/schemas/${schemaName(type)}` },
        examples: [{ name: `${type} example`, payload: exampleOf(type) }],
      },
    ]),
  );
  const schemas = Object.fromEntries(
    NOTIFICATION_TYPES.map((type) => [schemaName(type), withNotificationId(NOTIFICATIONS[type].schema, schemaName(type))]),
  );

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Profile Points — realtime notifications',
      version: '1.0.0',
      description: description(limits),
      externalDocs: { description: 'REST API (Swagger UI)', url: `${server.secure ? 'https' : 'http'}://${server.host}/docs` },
    },
    defaultContentType: 'application/json',
    servers: {
      api: {
        host: server.host,
        protocol: server.secure ? 'wss' : 'ws',
        pathname: '/socket.io/',
        title: 'This service',
        description: 'socket.io v4 (Engine.IO protocol 4) on the REST API origin',
        security: [{ $ref: '#/components/securitySchemes/jwt' }],
      },
    },
    channels: {
      notifications: {
        address: '/notifications',
        title: 'socket.io namespace /notifications',
        description:
          'One room per user (`user:<id>`): a socket joins its own room once its handshake token is verified; ' +
          'nothing is sent to anyone else. Handshake fields: see the HandshakeAuth schema.',
        servers: [{ $ref: '#/servers/api' }],
        messages: Object.fromEntries(NOTIFICATION_TYPES.map((type) => [type, { $ref: `#/components/messages/${type}` }])),
      },
    },
    operations: Object.fromEntries(
      NOTIFICATION_TYPES.map((type) => [
        operationId(type),
        {
          action: 'send',
          channel: { $ref: '#/channels/notifications' },
          title: `${type} → ${NOTIFICATIONS[type].audience}`,
          summary: NOTIFICATIONS[type].summary,
          messages: [{ $ref: `#/channels/notifications/messages/${type}` }],
        },
      ]),
    ),
    components: {
      securitySchemes: {
        jwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The REST bearer token, sent in the socket.io handshake as auth.token (or an Authorization header)',
        },
      },
      messages,
      schemas: {
        ...schemas,
        HandshakeAuth: {
          type: 'object',
          title: 'HandshakeAuth',
          description: 'The socket.io `auth` object of the handshake',
          required: ['token'],
          properties: {
            token: { type: 'string', description: 'The bearer JWT (HS256, claims sub and role)' },
            lastNotificationId: {
              type: 'string',
              pattern: '^\\d{1,18}$',
              example: '1041',
              description: `The highest notification id received; the newest ${limits.replayLimit} notifications after it are sent first`,
            },
          },
        },
        ConnectError: {
          type: 'object',
          title: 'ConnectError',
          description: 'The `data` of a refused handshake (`connect_error`); `message` is also the error message',
          required: ['status', 'error', 'message'],
          properties: {
            status: { type: 'integer', enum: [400, 401, 429, 503], example: 401 },
            error: { type: 'string', enum: Object.values(NotificationsErrorCode), example: NotificationsErrorCode.Unauthorized },
            message: { type: 'string', example: 'The token has expired' },
          },
        },
      },
    },
  };
}
