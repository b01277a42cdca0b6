import { INestApplication } from '@nestjs/common';
import type { FastifyAdapter } from '@nestjs/platform-fastify';

export interface ServedRoute {
  method: string;
  /** OpenAPI style: /profile/{profile}/points */
  path: string;
}

const recorded = new WeakMap<object, ServedRoute[]>();

/**
 * Records every route Fastify registers from now on (call it before the app is initialised): Fastify
 * keeps no list of its routes, only a router to match against.
 */
export function recordRoutes(adapter: FastifyAdapter): void {
  const routes: ServedRoute[] = [];
  recorded.set(adapter.getInstance(), routes);
  adapter.getInstance().addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) routes.push({ method: method.toLowerCase(), path: route.url });
  });
}

/**
 * Every route the app's Fastify serves, except the Swagger UI's own files, the HEAD twin Fastify adds
 * to every GET route and the CORS preflight's `OPTIONS *` (answered by @fastify/cors for every path).
 */
export function servedRoutes(app: INestApplication): ServedRoute[] {
  const routes = recorded.get(app.getHttpAdapter().getInstance() as object);
  if (!routes) throw new Error('servedRoutes needs an app started by startTestApp (it records the routes as they are registered)');
  return routes
    .filter((route) => route.method !== 'head' && !route.path.startsWith('/docs') && !(route.method === 'options' && route.path === '*'))
    .map((route) => ({ method: route.method, path: route.path.replace(/:(\w+)/g, '{$1}') }));
}

/** A concrete URL for a route template: numeric ids that exist nowhere. */
export function sampleUrl(route: ServedRoute): string {
  return route.path.replace(/\{\w+\}/g, '999999999');
}
