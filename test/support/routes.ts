import { INestApplication } from '@nestjs/common';

export interface ServedRoute {
  method: string;
  /** OpenAPI style: /profile/{profile}/points */
  path: string;
}

/** Every route Express actually serves, except the Swagger UI's own files. */
export function servedRoutes(app: INestApplication): ServedRoute[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
  return express.router.stack
    .filter((layer) => layer.route && !layer.route.path.startsWith('/docs'))
    .flatMap((layer) =>
      Object.keys(layer.route!.methods).map((method) => ({
        method,
        path: layer.route!.path.replace(/:(\w+)/g, '{$1}'),
      })),
    );
}

/** A concrete URL for a route template: numeric ids that exist nowhere. */
export function sampleUrl(route: ServedRoute): string {
  return route.path.replace(/\{\w+\}/g, '999999999');
}
