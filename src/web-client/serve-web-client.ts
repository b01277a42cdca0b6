import { statSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import accepts from 'accepts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { classifyPath, isPageNavigation } from './client-pages';
import { contentSecurityPolicy } from '../common/security-headers';
import { mergeVary } from '../common/vary';
import { WEB_CLIENT_CSP } from './web-client.csp';

/** Where `npm run build:web` writes the client (web/vite.config.mts), from the directory the service runs in. */
export const WEB_CLIENT_DIR = join(process.cwd(), 'web', 'dist');

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const NOT_BUILT = 'The reference client is not built: run npm run build:web (npm start builds it).\n';

/**
 * Serves the built reference client from WEB_CLIENT_DIR with @fastify/static: its pages (index.html,
 * not cached, with the client's CSP) and its hashed bundles (cached for good), with their types,
 * validators, 304s and HEAD as the library gives them. Everything else goes on to the API. A request
 * hook rather than routes: a browser's navigation to the Checkout return URLs must get the page although
 * the API serves the same paths. Files are read on each request, so a rebuild shows on the next reload.
 */
export function serveWebClient(fastify: FastifyInstance): void {
  // serve: false: no routes of its own, only reply.sendFile; dotfiles are never sent. Not awaited (as
  // Nest's own useStaticAssets): awaiting would load the plugins before Nest installs its error handler,
  // and Fastify would then answer body-parser errors itself.
  void fastify.register(fastifyStatic, { root: WEB_CLIENT_DIR, serve: false, dotfiles: 'deny' });
  const csp = contentSecurityPolicy(WEB_CLIENT_CSP);

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return done();
    const path = new URL(request.url, 'http://service.invalid').pathname;
    const kind = classifyPath(path);
    if (kind === 'other') return done();
    if (kind === 'asset') {
      if (!isFile(join(WEB_CLIENT_DIR, path))) return done();
      return void reply.sendFile(path.slice(1), { maxAge: YEAR_MS, immutable: true });
    }
    if (kind === 'shared-with-api') {
      // One URL, two answers: caches must keep the page and the JSON apart (added to CORS's Origin).
      const vary = reply.getHeader('vary');
      reply.header('vary', vary === undefined ? 'Accept, Authorization' : mergeVary(String(vary), 'Accept, Authorization'));
      const traits = { authorization: request.headers.authorization !== undefined, prefers: accepts(request.raw).type(['json', 'html']) as string | false };
      if (!isPageNavigation(traits)) return done();
    }
    if (!isFile(join(WEB_CLIENT_DIR, 'index.html'))) return void reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
    csp(request.raw, reply.raw, () => void reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false }));
  });
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
