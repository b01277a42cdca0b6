import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import accepts from 'accepts';
import { classifyPath, isPageNavigation } from './client-pages';
import { contentSecurityPolicy } from '../common/security-headers';
import { WEB_CLIENT_CSP } from './web-client.csp';

/** Where `npm run build:web` writes the client (web/vite.config.mts), from the directory the service runs in. */
export const WEB_CLIENT_DIR = join(process.cwd(), 'web', 'dist');

const YEAR_SECONDS = 365 * 24 * 60 * 60;

/** The types of what Vite writes to web/dist. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * Serves the built reference client from WEB_CLIENT_DIR: its pages (index.html, not cached, with the
 * client's CSP) and its hashed bundles (cached for good). Everything else goes on to the API. Read
 * from disk on each request, so a rebuild shows on the next reload. A Nest middleware, given Node's
 * request and response by the adapter.
 */
@Injectable()
export class WebClientMiddleware implements NestMiddleware {
  private readonly logger = new Logger('WebClient');
  private readonly csp = contentSecurityPolicy(WEB_CLIENT_CSP);

  constructor() {
    if (!existsSync(join(WEB_CLIENT_DIR, 'index.html'))) {
      this.logger.warn(`The reference client is not built (no ${WEB_CLIENT_DIR}/index.html): run npm run build:web`);
    }
  }

  use(request: IncomingMessage & { originalUrl?: string }, response: ServerResponse, next: (error?: unknown) => void): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const path = new URL(request.originalUrl ?? request.url ?? '/', 'http://service.invalid').pathname;
    const kind = classifyPath(path);
    if (kind === 'other') return next();
    if (kind === 'asset') {
      return void this.send(request, response, path.slice(1), `public, max-age=${YEAR_SECONDS}, immutable`).then((sent) => sent || next(), next);
    }
    if (kind === 'shared-with-api') {
      // One URL, two answers: caches must keep the page and the JSON apart.
      response.setHeader('Vary', 'Accept, Authorization');
      const traits = { authorization: request.headers.authorization !== undefined, prefers: accepts(request).type(['json', 'html']) as string | false };
      if (!isPageNavigation(traits)) return next();
    }
    this.csp(request, response, () => {
      void this.send(request, response, 'index.html', 'no-cache').then((sent) => {
        if (sent) return;
        response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end('The reference client is not built: run npm run build:web (npm start builds it).\n');
      }, next);
    });
  }

  /**
   * Sends one file of the client with its type, length and validators (a 304 when the browser has it),
   * or resolves false when there is no such file. Names come from classifyPath: no slash after
   * `assets/`, so nothing outside WEB_CLIENT_DIR; no dotfiles.
   */
  private async send(request: IncomingMessage, response: ServerResponse, file: string, cacheControl: string): Promise<boolean> {
    if (file.split('/').some((part) => part.startsWith('.'))) return false;
    const path = join(WEB_CLIENT_DIR, file);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return false;
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    response.setHeader('Cache-Control', cacheControl);
    response.setHeader('ETag', etag);
    response.setHeader('Last-Modified', info.mtime.toUTCString());
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304);
      response.end();
      return true;
    }
    response.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': info.size });
    if (request.method === 'HEAD') response.end();
    else createReadStream(path).pipe(response);
    return true;
  }
}
