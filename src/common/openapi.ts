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
/** An error code's status and message as the service answers them (the examples of its error responses). */
export interface ErrorExample {
  status: number;
  message: string;
}

export function createOpenApiDocument(app: INestApplication, errorExamples: ReadonlyMap<string, ErrorExample> = new Map()): OpenAPIObject {
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
  return addErrorExamples(addCommonResponses(document, handlersOf(app)), errorExamples);
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

/** The code an error response without any named code answers (the bearer guard's 401, the roles guard's 403). */
const CODE_OF_BARE_STATUS: Readonly<Record<string, string>> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN' };
const CORRELATION_ID = '0b7c3f4e-0a4e-4a47-9d7b-3f0e0f1c2d3e';

/**
 * Gives each error response one example per error code its description names, with the message the
 * service answers for that code (or the description's own words for it): Swagger UI otherwise shows
 * ApiErrorResponse's single example, a 400 VALIDATION_FAILED, under every status.
 */
function addErrorExamples(document: OpenAPIObject, known: ReadonlyMap<string, ErrorExample>): OpenAPIObject {
  for (const item of Object.values<PathItemObject>(document.paths)) {
    for (const method of HTTP_METHODS) {
      for (const [status, response] of Object.entries(item[method]?.responses ?? {}) as Array<[string, ResponseObject]>) {
        const json = response.content?.['application/json'];
        if (Number(status) < 400 || !json || !('$ref' in (json.schema ?? {}))) continue;
        const examples = errorCodesOf(response.description, Number(status), known).map((code) => {
          const message = known.get(code)?.message ?? wordsFor(code, response.description);
          return [code, { summary: code, value: { status: Number(status), error: code, message, correlationId: CORRELATION_ID } }] as const;
        });
        if (examples.length > 0) json.examples = Object.fromEntries(examples);
      }
    }
  }
  return document;
}

/** The codes a description names: known codes of this status, and any `CODE:` it explains itself. */
function errorCodesOf(description: string, status: number, known: ReadonlyMap<string, ErrorExample>): string[] {
  const named = [...new Set(description.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\b/g) ?? [])].filter(
    (word) => known.get(word)?.status === status || (!known.has(word) && word.includes('_') && description.includes(`${word}:`)),
  );
  const bare = CODE_OF_BARE_STATUS[status];
  return named.length === 0 && bare !== undefined ? [bare] : named;
}

/** "CODE: what it means; …" → "what it means". */
function wordsFor(code: string, description: string): string {
  const start = description.indexOf(`${code}:`);
  if (start < 0) return description;
  return description.slice(start + code.length + 1).split(/;|\. [A-Z]|, or [A-Z_]{4,}/)[0].trim();
}

function sortByStatus<T>(responses: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}
