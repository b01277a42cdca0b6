import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/** CSP directives by name, values as they appear in the header (`"'self'"`, `'data:'`, `"'sha256-…'"`). */
export type CspDirectives = Readonly<Record<string, readonly string[]>>;

type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * The policy of every answer that no route gives its own: JSON (API answers, errors, documents) is never
 * meant to run as a page, so nothing may load and nobody may frame it.
 */
export const API_CSP: CspDirectives = {
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** Where SwaggerModule serves its page (`SwaggerModule.setup('docs', …)` in app.setup.ts). */
export const SWAGGER_UI_PAGE_PATHS = ['/docs', '/docs/', '/docs/index.html'];

/**
 * Swagger UI as Nest's SwaggerModule serves it, which is all it needs. Scripts: only its own files
 * (swagger-ui-bundle.js, swagger-ui-standalone-preset.js, swagger-ui-init.js; the page has no inline
 * script and the bundle needs no eval). Styles: swagger-ui.css plus three inline ones, allowed by hash
 * rather than with 'unsafe-inline': the template's two <style> blocks, the <style> of the logo that
 * swagger-ui-bundle.js renders, and the style attribute of the template's hidden icon sprite. Images: its favicons and the data: SVG icons of swagger-ui.css. Connections:
 * "Try it out" calls this API. The page keeps the bearer token in localStorage, hence no framing.
 * The hashes belong to @nestjs/swagger's HTML template and to swagger-ui-dist: a change shows up as a CSP violation in
 * test/e2e/browser-pages.e2e.spec.ts, whose message gives the new hash.
 */
export const SWAGGER_UI_CSP: CspDirectives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': [
    "'self'",
    // html { box-sizing … } body { margin:0; background: #fafafa }
    "'sha256-/jDKvbQ8cdux+c5epDIqkjHbXDaIY8RucT1PmAe8FG4='",
    // .swagger-ui .topbar .download-url-wrapper { display: none }
    "'sha256-eaPyLWVdqMc60xuz5bTp2yBRgVpQSoUggte1+40ONPU='",
    // .logo_small_svg__cls-2{fill:#fff}… inside the topbar's SVG logo, rendered by swagger-ui-bundle.js
    "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
    // style="position:absolute;width:0;height:0" on the <svg> of icons: an attribute needs 'unsafe-hashes'
    "'unsafe-hashes'",
    "'sha256-ezdv1bOGcoOD7FKudKN0Y2Mb763O6qVtM8LT2mtanIU='",
  ],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Middleware that gives the answers of the routes it is mounted on their own Content-Security-Policy,
 * replacing API_CSP (set earlier, by applySecurityHeaders): the reference client's middleware
 * (src/web-client) calls it for its pages.
 */
export function contentSecurityPolicy(directives: CspDirectives): NodeMiddleware {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives });
}

/**
 * Security headers of every answer: nosniff, frame protection, a CSP (API_CSP, SWAGGER_UI_CSP on the
 * Swagger UI page, or a page route's own), helmet's isolation headers, and HSTS in production only
 * (outside it the service runs on plain http://localhost, where a remembered HSTS would break every
 * other local app on that host name).
 *
 * They are set on the HTTP server's 'request' event, before Fastify runs: answers that end early (a
 * CORS preflight, a body the parser refuses, an unknown route) carry them too. The listener is added
 * once the server listens, after socket.io has attached: engine.io takes over the 'request' listeners it
 * finds and calls them only for other URLs, so one added before it would miss socket.io's own
 * (long-polling) answers.
 */
export function applySecurityHeaders(app: INestApplication, env: { NODE_ENV: string }): void {
  const common = {
    xFrameOptions: { action: 'deny' as const },
    strictTransportSecurity: env.NODE_ENV === 'production' ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true } : false,
  };
  const apiHeaders = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: API_CSP } });
  const swaggerPageHeaders = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: SWAGGER_UI_CSP } });
  const swaggerPages = new Set(SWAGGER_UI_PAGE_PATHS);
  const server = app.getHttpServer() as Server;
  server.once('listening', () => {
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '').split('?', 1)[0];
      // helmet only sets and removes headers, synchronously; it has no error to pass on.
      (swaggerPages.has(path) ? swaggerPageHeaders : apiHeaders)(req, res, () => undefined);
    });
  });
}
