import type { IncomingMessage } from 'node:http';

/**
 * The route label of a request that no route answered: unknown paths (404), bodies refused before
 * routing (400/413), CORS preflights. One fixed value, so that scanning random URLs cannot create
 * new label values.
 */
export const UNMATCHED_ROUTE = 'unmatched';

type RoutedRequest = IncomingMessage & { baseUrl?: string; route?: { path?: string | string[]; methods?: Record<string, boolean> } };

/**
 * The template of the route that answered the request (`/profile/:profile/points`), as Express
 * recorded it while routing, never the URL with its ids: one label value per route (a route
 * serving several paths gets them joined with `|`).
 */
export function routeTemplateOf(request: IncomingMessage): string {
  const { route, baseUrl } = request as RoutedRequest;
  // Nest mounts module middleware with app.all(), a route of every method; an endpoint has one method.
  // A request that passed only such routes matched no endpoint.
  if (!route || Object.keys(route.methods ?? {}).length > 1) return UNMATCHED_ROUTE;
  const path = Array.isArray(route.path) ? route.path.join('|') : route.path;
  return typeof path === 'string' && path !== '' ? `${baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
}
