import type { IncomingMessage } from 'node:http';
import { routeTemplateOf, UNMATCHED_ROUTE } from './route-label';

const requestWith = (extra: object) => ({ url: '/profile/123/points', ...extra }) as unknown as IncomingMessage;

describe(routeTemplateOf.name, () => {
  it('is the template of the route that answered, never the URL', () => {
    expect(routeTemplateOf(requestWith({ route: { path: '/profile/:profile/points', methods: { get: true } } }))).toBe('/profile/:profile/points');
  });

  it('keeps the mount path of a router', () => {
    expect(routeTemplateOf(requestWith({ baseUrl: '/v1', route: { path: '/points', methods: { get: true } } }))).toBe('/v1/points');
  });

  it('joins the paths of a route that serves several', () => {
    expect(routeTemplateOf(requestWith({ route: { path: ['/docs', '/docs/index.html'], methods: { get: true } } }))).toBe('/docs|/docs/index.html');
  });

  it('is one fixed label when no endpoint matched, also after module middleware (an all() route)', () => {
    expect(routeTemplateOf(requestWith({}))).toBe(UNMATCHED_ROUTE);
    expect(routeTemplateOf(requestWith({ route: { path: '{/*splat}', methods: { get: true, post: true, put: true } } }))).toBe(UNMATCHED_ROUTE);
  });
});
