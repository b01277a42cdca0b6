import { fastify } from 'fastify';
import { labelRoutes, routeTemplateOf, UNMATCHED_ROUTE } from './route-label';

/** A Fastify instance with the hook and two routes; each answer is the label its request got. */
async function labelled(url: string, method: 'GET' | 'POST' = 'GET'): Promise<string> {
  const app = fastify();
  labelRoutes(app);
  const label = (request: { raw: Parameters<typeof routeTemplateOf>[0] }) => routeTemplateOf(request.raw);
  app.get('/profile/:profile/points', (request) => label(request));
  app.post('/stripe/webhook', (request) => label(request));
  app.setNotFoundHandler((request, reply) => reply.code(404).send(label(request)));
  const answer = await app.inject({ method, url });
  await app.close();
  return answer.body;
}

describe(routeTemplateOf.name, () => {
  it('is the template of the route that answered, never the URL with its ids or query', async () => {
    expect(await labelled('/profile/123/points?x=1')).toBe('/profile/:profile/points');
    expect(await labelled('/stripe/webhook', 'POST')).toBe('/stripe/webhook');
  });

  it('is one fixed label when no route matched, whatever the URL', async () => {
    expect(await labelled('/no/such/route/123')).toBe(UNMATCHED_ROUTE);
    expect(await labelled('/stripe/webhook', 'GET')).toBe(UNMATCHED_ROUTE);
  });
});
