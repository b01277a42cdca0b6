import { INestApplication } from '@nestjs/common';

export interface ServedRoute {
  method: string;
  /** OpenAPI style: /profile/{profile}/points */
  path: string;
}

/** Every route Express actually serves, except the Swagger UI's own files. */
export function servedRoutes(app: INestApplication): ServedRoute[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: Array<{ route?: { path: string | string[]; methods: Record<string, boolean> } }> };
  };
  // A route may serve several paths (an array), e.g. a middleware-only route for the Swagger UI page.
  // Module middleware (nestjs-pino, draining) is registered with app.all(), a route of every method: not an endpoint.
  return express.router.stack
    .filter((layer) => layer.route && Object.keys(layer.route.methods).length === 1)
    .flatMap((layer) => ([] as string[]).concat(layer.route!.path).map((path) => ({ path, methods: layer.route!.methods })))
    .filter((route) => !route.path.startsWith('/docs'))
    .flatMap((route) =>
      Object.keys(route.methods).map((method) => ({
        method,
        path: route.path.replace(/:(\w+)/g, '{$1}'),
      })),
    );
}

/** A concrete URL for a route template: numeric ids that exist nowhere. */
export function sampleUrl(route: ServedRoute): string {
  return route.path.replace(/\{\w+\}/g, '999999999');
}
