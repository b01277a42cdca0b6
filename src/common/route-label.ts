import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * The route label of a request that no route answered: unknown paths (404), bodies refused before
 * routing (400/413), CORS preflights. One fixed value, so that scanning random URLs cannot create
 * new label values.
 */
export const UNMATCHED_ROUTE = 'unmatched';

/** Where the adapter leaves the template of the route that matched (see `labelRoutes`). */
const ROUTE_TEMPLATE = Symbol('route template');

type LabelledRequest = IncomingMessage & { [ROUTE_TEMPLATE]?: string };

/**
 * Records on the Node request the template of the route Fastify matched (`/profile/:profile/points`),
 * as soon as it is routed: the request's log line, its metrics and its error log are labelled with it,
 * never with the URL and its ids. Fastify knows the route before any hook runs.
 */
export function labelRoutes(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const template = request.routeOptions.url;
    if (template !== undefined && !request.is404) (request.raw as LabelledRequest)[ROUTE_TEMPLATE] = template;
    done();
  });
}

/** The template of the route that answered the request, or UNMATCHED_ROUTE: one label value per route. */
export function routeTemplateOf(request: IncomingMessage): string {
  return (request as LabelledRequest)[ROUTE_TEMPLATE] ?? UNMATCHED_ROUTE;
}
