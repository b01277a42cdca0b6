import { IncomingMessage, ServerResponse } from 'node:http';
import { apiRoutes } from './api-routes';
import { controlRoutes } from './control-routes';
import { StripeEngine } from './engine';
import { StripeApiError } from './errors';
import { FormParseError, parseForm } from './form';
import { hostedPageCsp, renderNoticePage } from './hosted-page';
import { hostedRoutes } from './hosted-routes';
import { IdempotencyCache } from './idempotency';
import { newId } from './ids';
import { STRIPE_API_VERSION } from './objects';
import { ParamReader } from './params';
import { EmulatorRequest, html, json, JsonReply, Reply, Router } from './router';
import { NoWebhookUrlError, WebhookDispatcher } from './webhooks';

const MAX_BODY_BYTES = 1024 * 1024;

interface Surface {
  prefix: string;
  router: Router;
  /** How this surface answers errors and unknown URLs: JSON for programs, HTML for people. */
  format: 'json' | 'html';
  authenticated: boolean;
}

/** Turns node:http requests into routed handler calls and handler results into responses. */
export class EmulatorHttpApp {
  private readonly surfaces: Surface[];
  private readonly idempotency = new IdempotencyCache();

  constructor(engine: StripeEngine, webhooks: WebhookDispatcher) {
    this.surfaces = [
      { prefix: '/v1/', router: apiRoutes(engine, webhooks), format: 'json', authenticated: true },
      { prefix: '/c/pay/', router: hostedRoutes(engine, webhooks), format: 'html', authenticated: false },
      { prefix: '/_emulator/', router: controlRoutes(engine, webhooks), format: 'json', authenticated: false },
    ];
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = newId('req_', 14);
    this.reply(req).then(
      (reply) => writeReply(res, reply, requestId),
      () => res.destroy(),
    );
  };

  private async reply(req: IncomingMessage): Promise<Reply> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const surface = this.surfaces.find((candidate) => url.pathname.startsWith(candidate.prefix));
    try {
      const rawBody = await readBody(req);
      if (surface === undefined) throw notFound(method, url.pathname);
      const apiKey = surface.authenticated ? authenticate(req.headers.authorization) : undefined;
      const request: EmulatorRequest = {
        method,
        path: url.pathname,
        query: new ParamReader(parseForm(url.search.slice(1))),
        body: parseBody(rawBody, req.headers['content-type']),
        rawBody,
        headers: req.headers,
      };
      const route = surface.router.match(method, url.pathname);
      if (route === undefined) throw notFound(method, url.pathname);
      const execute = async () => route.handler(request, route.params);
      const idempotencyKey = header(req.headers['idempotency-key']);
      if (apiKey !== undefined && method === 'POST' && idempotencyKey !== undefined) {
        return await this.idempotency.run(apiKey, idempotencyKey, `${method} ${url.pathname}\n${rawBody}`, () => execute().then(asJson));
      }
      return await execute();
    } catch (error) {
      return errorReply(toStripeError(error), surface?.format ?? 'json');
    }
  }
}

function authenticate(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') {
    throw new StripeApiError(
      401,
      'invalid_request_error',
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const key = apiKeyOf(authorization);
  if (!/^(sk|rk)_\S+$/.test(key)) {
    throw new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${redact(key)}`, 'api_key_invalid');
  }
  return key;
}

/** Bearer as the SDK sends it, or Basic as `curl -u sk_test_...:` sends it. */
function apiKeyOf(authorization: string): string {
  const [scheme = '', credentials = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') return credentials;
  if (scheme.toLowerCase() === 'basic') return Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
  return '';
}

function redact(key: string): string {
  return key.length <= 12 ? '*'.repeat(key.length) : `${key.slice(0, 8)}${'*'.repeat(Math.min(key.length - 12, 16))}${key.slice(-4)}`;
}

function parseBody(rawBody: string, contentType: string | undefined): ParamReader {
  if (rawBody.trim() === '') return ParamReader.of({});
  if (contentType?.toLowerCase().includes('application/json')) {
    try {
      return ParamReader.of(JSON.parse(rawBody));
    } catch {
      throw StripeApiError.invalid('The request body is not valid JSON.');
    }
  }
  return new ParamReader(parseForm(rawBody));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new StripeApiError(413, 'invalid_request_error', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function header(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function asJson(reply: Reply): JsonReply {
  if (reply.kind !== 'json') throw new Error('Only JSON answers can be stored for idempotent replay.');
  return reply;
}

function notFound(method: string, path: string): StripeApiError {
  return new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
}

function toStripeError(error: unknown): StripeApiError {
  if (error instanceof StripeApiError) return error;
  if (error instanceof FormParseError) return StripeApiError.invalid(error.message, error.param);
  if (error instanceof NoWebhookUrlError) return new StripeApiError(409, 'invalid_request_error', error.message);
  return new StripeApiError(500, 'api_error', error instanceof Error ? error.message : String(error));
}

function errorReply(error: StripeApiError, format: 'json' | 'html'): Reply {
  if (format === 'html') return html(renderNoticePage(`Error ${error.status}`, error.message), error.status);
  return json(error.toBody(), error.status);
}

function writeReply(res: ServerResponse, reply: Reply, requestId: string): void {
  const common = { 'Request-Id': requestId, 'Cache-Control': 'no-cache, no-store', 'X-Content-Type-Options': 'nosniff' };
  if (reply.kind === 'redirect') {
    res.writeHead(303, { ...common, Location: reply.location }).end();
    return;
  }
  const body = reply.kind === 'json' ? JSON.stringify(reply.body, null, 2) : reply.body;
  const headers =
    reply.kind === 'json'
      ? { 'Content-Type': 'application/json', 'Stripe-Version': STRIPE_API_VERSION, ...reply.headers }
      : { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': hostedPageCsp(reply.formTargets), 'X-Frame-Options': 'DENY' };
  res.writeHead(reply.status, { ...common, ...headers, 'Content-Length': Buffer.byteLength(body) }).end(body);
}
