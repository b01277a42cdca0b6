import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/** The request headers a browser frontend may send: the bearer token, JSON bodies and idempotency keys. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];
/** Headers a browser frontend may read from an answer: the correlation id and the rate limit's wait. */
export const CORS_EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After'];

/** The origins allowed to call the API and the socket from a browser: CORS_ORIGINS, else the origin of APP_URL. */
export function allowedOrigins(env: { CORS_ORIGINS?: readonly string[]; APP_URL?: string }): readonly string[] {
  if (env.CORS_ORIGINS && env.CORS_ORIGINS.length > 0) return env.CORS_ORIGINS;
  return env.APP_URL ? [new URL(env.APP_URL).origin] : [];
}

/**
 * Whether a browser page of `origin` may call us. A request without an Origin header comes from no
 * browser page (a server, curl, Stripe): CORS does not apply to it and it is not refused here.
 */
export function isAllowedOrigin(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  return allowed.includes('*') || allowed.includes(origin);
}

/**
 * CORS for the REST API: listed origins get their preflight and headers, unlisted ones get no
 * Access-Control-* header at all. Bearer tokens, never cookies: no credentials mode.
 */
export function corsOptions(allowed: readonly string[]): CorsOptions {
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && isAllowedOrigin(origin, allowed)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
}
