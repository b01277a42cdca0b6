import { readFileSync } from 'node:fs';
import { api, checkedFetch } from '../support/http';
import { assertDocumentedResponse, OPENAPI_DOCUMENT_PATH } from '../support/openapi-validator';
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

  it('serves the committed docs/openapi.json: what the production build serves is what the tests validate against', async () => {
    // Jest compiles with SWC and production with tsc: their decorator metadata differ, so every
    // property type is explicit. The committed copy comes from a tsc build (npm run openapi).
    const response = await api(t).get('/docs-json');
    expect(response.body).toEqual(JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')));
  });

  it('marks every JWT route with bearer auth and every public route with an empty security', async () => {
    const { body } = await api(t).get('/docs-json');
    const paths = body.paths as Record<string, Record<string, Operation>>;
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(body.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(paths['/profile-points/checkout'].post.security).toEqual([{ bearer: [] }]);
    for (const [path, method] of [
      ['/stripe/webhook', 'post'],
      ['/health', 'get'],
      ['/health/live', 'get'],
      ['/health/ready', 'get'],
      ['/metrics', 'get'],
      ['/docs/asyncapi.json', 'get'],
    ]) {
      expect({ route: `${method} ${path}`, security: paths[path][method].security }).toEqual({ route: `${method} ${path}`, security: [] });
    }
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        expect({ route: `${method} ${path}`, secured: Array.isArray(operation.security) }).toEqual({ route: `${method} ${path}`, secured: true });
      }
    }
    expect(Object.keys(paths['/profile-points/checkout'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404']));
  });

  it('declares paged items as an array of the model and limit as an integer', async () => {
    const { body } = await api(t).get('/docs-json');
    expect(body.components.schemas.TransactionDtoPage.properties.items).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/TransactionDto' } });
    const limit = body.paths['/profile-points/transactions/client'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(JSON.stringify(body)).not.toMatch(/"items":\{"type":"array"/);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await api(t).get('/docs/');
    expect(response.status).toBe(200);
    expect(response.text).toContain('swagger-ui');
  });

  describe('the check every e2e answer goes through (test/support/http.ts)', () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const error = { status: 401, error: 'UNAUTHORIZED', message: 'no token', correlationId: 'c0ffee' };

    it('accepts a documented status with a matching body', () => {
      expect(() => assertDocumentedResponse('GET', '/profile-points/success?session_id=cs_1', { status: 401, headers: json, body: error })).not.toThrow();
    });

    it('refuses an undocumented status', () => {
      expect(() => assertDocumentedResponse('GET', '/profile-points/success', { status: 418, headers: json, body: error })).toThrow(
        /GET \/profile-points\/success → 418: status not documented/,
      );
    });

    it('refuses a body that does not match, or carries a property the schema does not list', () => {
      expect(() => assertDocumentedResponse('GET', '/health/live', { status: 200, headers: json, body: { status: 'up' } })).toThrow(/\/status must be equal to one of the allowed values/);
      expect(() => assertDocumentedResponse('GET', '/health/live', { status: 200, headers: json, body: { status: 'ok', extra: 1 } })).toThrow(
        /must NOT have additional properties/,
      );
    });

    it('matches route templates, and checks other content types by type only', () => {
      const page = { items: [], nextCursor: null };
      expect(() => assertDocumentedResponse('GET', '/profile-points/transactions/profile/7', { status: 200, headers: json, body: page })).not.toThrow();
      expect(() => assertDocumentedResponse('GET', '/metrics', { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body: {}, text: 'x 1' })).not.toThrow();
      expect(() => assertDocumentedResponse('GET', '/metrics', { status: 200, headers: json, body: {} })).toThrow(/content type "application\/json" not documented/);
    });

    it('checks fetch answers the same way (checkedFetch)', async () => {
      expect((await checkedFetch(`${t.url}/health/live`)).status).toBe(200);
      const unsigned = await checkedFetch(`${t.url}/stripe/webhook`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(unsigned.status).toBe(400);
      await expect(checkedFetch(`${t.url}/metrics`, { method: 'POST' })).resolves.toHaveProperty('status', 404);
    });

    it('refuses an answer of a route the document does not have, unless it is the error shape', () => {
      expect(() => assertDocumentedResponse('GET', '/nowhere', { status: 404, headers: json, body: { ...error, status: 404 } })).not.toThrow();
      expect(() => assertDocumentedResponse('GET', '/nowhere', { status: 200, headers: json, body: {} })).toThrow(/no such operation/);
    });
  });
});
