import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { classifyPath, isPageNavigation } from './client-pages';
import { contentSecurityPolicy } from '../common/security-headers';
import { WEB_CLIENT_CSP } from './web-client.csp';

/** Where `npm run build:web` writes the client (web/vite.config.mts), from the directory the service runs in. */
export const WEB_CLIENT_DIR = join(process.cwd(), 'web', 'dist');

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Serves the built reference client from WEB_CLIENT_DIR: its pages (index.html, not cached, with the
 * client's CSP) and its hashed bundles (cached for good). Everything else goes on to the API. Read
 * from disk on each request, so a rebuild shows on the next reload.
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

  use(request: Request, response: Response, next: NextFunction): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const path = new URL(request.originalUrl, 'http://service.invalid').pathname;
    const kind = classifyPath(path);
    if (kind === 'other') return next();
    if (kind === 'asset') return this.send(response, path.slice(1), { maxAge: YEAR_MS, immutable: true }, () => next());
    if (kind === 'shared-with-api') {
      // One URL, two answers: caches must keep the page and the JSON apart.
      response.vary('Accept').vary('Authorization');
      const traits = { authorization: request.headers.authorization !== undefined, prefers: request.accepts(['json', 'html']) };
      if (!isPageNavigation(traits)) return next();
    }
    this.csp(request, response, () => {
      response.setHeader('Cache-Control', 'no-cache');
      this.send(response, 'index.html', { maxAge: 0 }, () => {
        response.status(503).type('text/plain').send('The reference client is not built: run npm run build:web (npm start builds it).\n');
      });
    });
  }

  private send(response: Response, file: string, cache: { maxAge: number; immutable?: boolean }, missing: () => void): void {
    response.sendFile(file, { root: WEB_CLIENT_DIR, dotfiles: 'deny', lastModified: true, cacheControl: cache.maxAge > 0, ...cache }, (error?: Error) => {
      if (error !== undefined && !response.headersSent) missing();
    });
  }
}
