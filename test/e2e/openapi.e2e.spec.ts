import { api } from '../support/http';
import { servedRoutes } from '../support/routes';
import { startTestApp, TestApp } from '../support/test-app';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}

describe('OpenAPI document', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents every served route with a success response and typed error responses', async () => {
    const response = await api(t).get('/docs-json');
    expect(response.status).toBe(200);
    const paths = response.body.paths as Record<string, Record<string, Operation>>;

    const routes = servedRoutes(t.app);
    expect(routes.length).toBeGreaterThanOrEqual(7);
    for (const route of routes) {
      const operation = paths[route.path]?.[route.method];
      expect({ route: `${route.method} ${route.path}`, documented: Boolean(operation) }).toEqual({
        route: `${route.method} ${route.path}`,
        documented: true,
      });
      const codes = Object.keys(operation.responses);
      expect(codes.some((code) => code.startsWith('2'))).toBe(true);
      if (route.path !== '/health') {
        const errors = codes.filter((code) => /^[45]/.test(code));
        expect(errors.length).toBeGreaterThan(0);
        for (const code of errors) {
          expect(JSON.stringify(operation.responses[code].content)).toContain('ApiErrorResponse');
        }
      }
    }
  });

  it('marks every JWT route with bearer auth and leaves the webhook open', async () => {
    const { body } = await api(t).get('/docs-json');
    const paths = body.paths as Record<string, Record<string, Operation>>;
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(paths['/profile-points/checkout'].post.security).toEqual([{ bearer: [] }]);
    expect(paths['/stripe/webhook'].post.security).toBeUndefined();
    expect(Object.keys(paths['/profile-points/checkout'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404']));
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await api(t).get('/docs/');
    expect(response.status).toBe(200);
    expect(response.text).toContain('swagger-ui');
  });
});
