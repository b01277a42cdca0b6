import { STATUS_CODES } from 'node:http';
import { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import {
  DocumentBuilder,
  getSchemaPath,
  type OpenAPIObject,
  type OperationObject,
  type PathItemObject,
  type ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { IS_PUBLIC } from './public-route';
import { OPERATIONS_PATHS } from './operations-paths';
import { ApiErrorResponse } from './error-response.dto';
import { IMPORT_BODY_LIMIT_BYTES, IMPORT_PATH, WEBHOOK_PATH } from './body-limits';

/** The security scheme of the platform backend's routes (INTEGRATION_TOKEN), beside the users' `bearer`. */
export const INTEGRATION_SECURITY = 'integration';

const DESCRIPTION =
  'Buy packs of points for chat profiles through Stripe Checkout. Every route except the Stripe webhook, ' +
  'health, metrics and these docs needs `Authorization: Bearer <JWT>`: HS256 with the service\'s secret, or signed ' +
  'with a key of the platform\'s JWKS (RS256, ES256, EdDSA; JWT_JWKS_URL), the user id in `sub` (or JWT_USER_ID_CLAIM). ' +
  'The platform\'s backend uses the `/integration` routes with its own INTEGRATION_TOKEN. ' +
  'Errors share one JSON shape (ApiErrorResponse). Realtime alerts: socket.io namespace `/notifications`, ' +
  'token in the handshake `auth.token`, `auth.lastNotificationId` to replay what was missed; events ' +
  '`points.purchased`, `points.reversed`, `points.restored` (moderators), `purchase.completed`, `payment.failed` ' +
  '(clients), each also listed by `GET /notifications` with the same id. Events and payloads: ' +
  '[AsyncAPI document](/docs/asyncapi.json) (open it in https://studio.asyncapi.com).';

/** `@nestjs/throttler`'s SkipThrottle key; NoRateLimit() skips every budget, so one of them tells. */
const THROTTLER_SKIP_ANONYMOUS = 'THROTTLER:SKIPanonymous';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The OpenAPI document the service serves at /docs-json, and that `npm run openapi` commits: it must
 * not depend on the environment or on the compiler (tsc in production, SWC under Jest), so the server
 * is relative and every property type is explicit in its decorator.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Profile Points')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addServer('/', 'The instance serving this document (same origin as /docs)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: "The platform backend's INTEGRATION_TOKEN: the /integration routes only (docs/integrating.md)" },
      INTEGRATION_SECURITY,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ApiErrorResponse] });
  return addCommonResponses(document, handlersOf(app));
}

export function serveOpenApiDocument(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
}

interface HandlerFacts {
  isPublic: boolean;
  rateLimited: boolean;
}

/** Controller and handler metadata by Swagger's default operation id, `<Controller>_<method>`. */
function handlersOf(app: INestApplication): Map<string, HandlerFacts> {
  const facts = new Map<string, HandlerFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller?.prototype) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const flag = (key: string): unknown => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
        facts.set(`${controller.name}_${name}`, {
          isPublic: flag(IS_PUBLIC) === true,
          rateLimited: flag(THROTTLER_SKIP_ANONYMOUS) !== true,
        });
      }
    }
  }
  return facts;
}

/**
 * Answers every route may give that no controller declares, because middleware and global guards
 * give them before any handler runs: the rate limit, the body parser's limits, draining on shutdown
 * and the sanitised 500. Public routes say so with an empty `security`.
 */
function addCommonResponses(document: OpenAPIObject, handlers: Map<string, HandlerFacts>): OpenAPIObject {
  for (const [path, item] of Object.entries<PathItemObject>(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const facts = handlers.get(operation.operationId ?? '');
      if (!facts) throw new Error(`OpenAPI: no handler found for ${method.toUpperCase()} ${path} (${operation.operationId})`);
      if (facts.isPublic && !operation.security) operation.security = [];
      if (operation.security?.some((scheme) => INTEGRATION_SECURITY in scheme)) {
        addError(operation, 401, 'UNAUTHORIZED: no INTEGRATION_TOKEN, or not one of the configured ones (a user JWT is refused too)');
        addError(operation, 404, 'NOT_FOUND: INTEGRATION_TOKEN is not set on this service, so the integration routes do not exist');
      }
      if (path === IMPORT_PATH) {
        addError(operation, 413, `PAYLOAD_TOO_LARGE: the NDJSON body is over ${IMPORT_BODY_LIMIT_BYTES} bytes (1 GB); the lines before were applied`);
        addError(operation, 415, 'UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/x-ndjson, or is compressed (Content-Encoding)');
      } else if (method === 'post' || method === 'put') {
        if (path !== WEBHOOK_PATH) {
          addError(operation, 400, 'MALFORMED_JSON: the body is not valid JSON; BODY_TOO_DEEP: nested deeper than 32 levels; VALIDATION_FAILED: a NUL character (\\u0000) in the body');
          addError(operation, 415, 'UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json, or is compressed (Content-Encoding)');
        }
        addError(operation, 413, 'PAYLOAD_TOO_LARGE: the body is over the limit of the route (64 kB; the webhook 1 MB)');
      }
      addError(operation, 400, 'VALIDATION_FAILED: the URL is not UTF-8 once percent-decoded, or holds a NUL character (%00)');
      if (facts.rateLimited) {
        addError(operation, 429, 'RATE_LIMITED: over the budget of the caller (user, the platform\'s backend on /integration, or client address without a valid token); retry after Retry-After seconds', {
          'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
        });
      }
      addError(operation, 500, 'INTERNAL_ERROR: an unexpected failure, logged with the correlationId');
      if (!OPERATIONS_PATHS.has(path)) {
        addError(
          operation,
          503,
          'SHUTTING_DOWN: the instance is draining; retry (another instance answers). DATABASE_BUSY: no database connection came free within 10 s, or the database is unreachable; nothing was done, retry after Retry-After seconds',
          { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
        );
        if (!facts.isPublic) {
          addError(operation, 503, "AUTH_KEYS_UNAVAILABLE: the platform's signing keys (JWT_JWKS_URL) cannot be read and none were read before; retry after Retry-After seconds");
        }
      }
      for (const [status, response] of Object.entries(operation.responses) as Array<[string, ResponseObject]>) {
        // A description is required; a success answer documented by its type alone gets the reason phrase.
        if (!response.description) response.description = STATUS_CODES[status] ?? status;
      }
      operation.responses = sortByStatus(operation.responses);
    }
  }
  return document;
}

function addError(operation: OperationObject, status: number, description: string, headers?: ResponseObject['headers']): void {
  const existing = operation.responses[status] as ResponseObject | undefined;
  if (existing) {
    if (!existing.description.includes(description)) existing.description = `${existing.description}; ${description}`;
    if (headers) existing.headers = { ...existing.headers, ...headers };
    return;
  }
  operation.responses[status] = {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: { $ref: getSchemaPath(ApiErrorResponse) } } },
  };
}

function sortByStatus<T>(responses: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}
