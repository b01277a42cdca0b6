import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EdgeError } from './edge.errors';
import { requestIdOf } from './request-id';

/** Stripe's largest events stay well under 1 MB; the webhook keeps its raw bytes for the signature. */
export const WEBHOOK_PATH = '/stripe/webhook';
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** Every other route takes a few small fields (the largest: a list of notification ids). */
export const API_BODY_LIMIT_BYTES = 64 * 1024;
/**
 * The platform's first sync: NDJSON read as a stream, line by line, never held whole (SPEC §10). Its
 * body is neither parsed here nor bound by the whole-request timeout (src/common/request-timeouts.ts).
 */
export const IMPORT_PATH = '/integration/import';
export const IMPORT_BODY_LIMIT_BYTES = 1024 * 1024 * 1024;
export const NDJSON_TYPE = 'application/x-ndjson';
/** The service's own bodies are at most three levels deep; this leaves room and stops recursion bombs. */
export const MAX_BODY_DEPTH = 32;

/** The body types the API routes read; the webhook reads any type as JSON, as Stripe sends it. */
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Body limits of every route, set as Fastify registers it (`onRoute`): the webhook may send 1 MB, any
 * other route 64 KB. A larger body is refused with 413 while it arrives, before it is read to the end
 * (Fastify's own error, which the global filter answers as EdgeError.bodyTooLarge).
 * Must be added before the app registers its routes (createHttpAdapter does).
 */
export function limitBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    // The import's NDJSON is never buffered (leaveNdjsonUnread): any other type sent to it is held to 64 KB.
    route.bodyLimit = route.url === WEBHOOK_PATH ? WEBHOOK_BODY_LIMIT_BYTES : API_BODY_LIMIT_BYTES;
  });
}

/**
 * NDJSON is taken by the import route only, and left unread: its handler reads the request as a
 * stream (its own limit, 1 GB, counted as the bytes arrive). Any other route refuses it with 415.
 */
export function leaveNdjsonUnread(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(NDJSON_TYPE, (request: FastifyRequest, _payload: unknown, done: (error: Error | null, body?: unknown) => void) => {
    if (request.routeOptions.url === IMPORT_PATH) done(null, undefined);
    else done(EdgeError.unsupportedMediaType(NDJSON_TYPE));
  });
}

/**
 * The one body parser of every route and content type (given to Nest's `useBodyParser('*', rawBody)`,
 * which keeps `request.rawBody`):
 * - the webhook's body, of any content type, is left as bytes: its signature guard parses them as
 *   JSON only once their signature is verified, so that nobody can make the service parse a
 *   megabyte of JSON without Stripe's secret;
 * - the API routes take JSON only (what OpenAPI documents); any other type, forms included, is a 415:
 *   a form is what a page of another origin can post without a CORS preflight;
 * - JSON must be an object or an array at the top level (strict, as body-parser was), and an API body
 *   nested deeper than MAX_BODY_DEPTH is a 400 instead of a stack overflow in the validator.
 * An empty body is `{}`, so that a missing field is reported as such by the validation pipe.
 */
export function parseBody(request: FastifyRequest, body: Buffer): unknown {
  if (request.routeOptions.url === WEBHOOK_PATH) return undefined;
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  // The import route says itself, after its guard, that it takes NDJSON only: a route that is off answers 404 first.
  if (request.routeOptions.url === IMPORT_PATH) return undefined;
  if (!JSON_TYPE.test(type)) {
    throw EdgeError.unsupportedMediaType(type);
  }
  // Compressed bytes are not JSON: say so rather than MALFORMED_JSON.
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== '') throw EdgeError.unsupportedEncoding(encoding);
  if (body.length === 0) return {};
  const parsed = parseStrictJson(body);
  // Only an escape (a backslash) can put them in JSON: refused here, for every field of every route.
  if (body.includes(0x5c) && holdsUnstorableText(parsed)) throw EdgeError.unstorableText();
  if (depthExceeds(parsed, MAX_BODY_DEPTH)) {
    throw EdgeError.bodyTooDeep(MAX_BODY_DEPTH);
  }
  return parsed;
}

/** A JSON object or array (not a bare string or number at the top level), or a 400 MALFORMED_JSON. */
function parseStrictJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  const first = /\S/.exec(text)?.[0];
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or an array');
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw EdgeError.malformedJson(error);
  }
}

/**
 * A NUL (PostgreSQL refuses 0x00 in text) or a lone surrogate (half of a UTF-16 pair: stored as
 * U+FFFD, so the same request sent again would no longer match what was stored — an idempotent
 * retry refused as another request).
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** Whether a string (key or value) anywhere in `value` is not storable text; iterative, as depthExceeds. */
function holdsUnstorableText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (!isStorableText(current)) return true;
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        if (!isStorableText(key)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/** What is wrong with a request's URL (path and query) as text, or null: percent-decoded, it must be UTF-8 without NUL. */
export function urlProblem(url: string): string | null {
  if (!url.includes('%')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    return 'is not UTF-8 once percent-decoded (a lone surrogate or a broken byte sequence)';
  }
  return decoded.includes('\0') ? 'contains a NUL character (%00)' : null;
}

/**
 * Refuses, before any route runs, a URL whose parameters no column or lookup can take as sent:
 * 400 VALIDATION_FAILED in the service's error shape. Path and query parameters then never reach
 * PostgreSQL with a NUL (which it refuses with an error, a 500) or a broken character.
 */
export function refuseUnreadableUrls(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const problem = urlProblem(request.url);
    if (problem !== null) await refuseUrl(problem, request, reply);
  });
}

/** Fastify's `frameworkErrors`: a path its router cannot decode (FST_ERR_BAD_URL) is refused as above. */
export function answerUnreadableUrl(_error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  refuseUrl(urlProblem(request.url) ?? 'cannot be read', request, reply);
}

function refuseUrl(problem: string, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const refused = EdgeError.unreadableUrl(problem);
  return reply.code(refused.status).send({ status: refused.status, error: refused.code, message: refused.message, correlationId: requestIdOf(request.raw) });
}

/** Iterative, so that measuring a hostile body cannot overflow the stack either. */
export function depthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
