import { INestApplication } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { API_CSP, applySecurityHeaders, contentSecurityPolicy, CspDirectives } from '../../src/common/security-headers';
import { Env } from '../../src/config/env.schema';
import { createScenario, createUser } from '../factories';
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

type Answer = { status: number; headers: Record<string, string | undefined> };

/** `default-src 'none'; img-src 'self' data:` → { 'default-src': ["'none'"], 'img-src': ["'self'", 'data:'] } */
function cspOf(answer: Answer): Record<string, string[]> {
  const header = answer.headers['content-security-policy'];
  if (header === undefined) throw new Error(`no Content-Security-Policy on a ${answer.status} answer`);
  return Object.fromEntries(
    header
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name !== '')
      .map(([name, ...values]) => [name, values]),
  );
}

function expectBaseHeaders(answer: Answer): void {
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['x-powered-by']).toBeUndefined();
  expect(answer.headers['x-frame-options']).toBe('DENY');
}

/** No keyword that lets injected code run or that widens the policy to any source. */
function expectNoUnsafeSource(csp: Record<string, string[]>): void {
  for (const values of Object.values(csp)) {
    expect(values).not.toContain("'unsafe-inline'");
    expect(values).not.toContain("'unsafe-eval'");
    expect(values).not.toContain('*');
  }
}

describe('Security headers', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = (await createUser(t.db, 'client')).token;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('API answers', () => {
    it.each([
      ['a JSON answer', () => api(t).get('/health'), 200],
      ['an unknown route', () => api(t).get('/no-such-route'), 404],
      ['a route called without a token', () => api(t).get('/profile-points/transactions/client'), 401],
      ['a body the validator refuses', () => api(t, token).post('/profile-points/checkout').send({ pack: 1 }), 400],
      // Refused by the JSON parser, before any route: the headers do not depend on middleware order.
      ['a body that is not JSON', () => api(t, token).post('/profile-points/checkout').set('Content-Type', 'application/json').send('{"pack":'), 400],
      [
        'a CORS preflight',
        () => request(t.url).options('/profile-points/checkout').set('Origin', 'http://frontend.test').set('Access-Control-Request-Method', 'POST'),
        204,
      ],
      ['the OpenAPI document', () => api(t).get('/docs-json'), 200],
      ['the AsyncAPI document', () => api(t).get('/docs/asyncapi.json'), 200],
      // Answered by socket.io's engine, which Fastify never sees.
      ['a socket.io long-polling handshake', () => api(t).get('/socket.io/?EIO=4&transport=polling'), 200],
    ])('%s: nosniff, no X-Powered-By, a CSP that loads nothing and forbids framing', async (_label, send, status) => {
      const answer = await send();

      expect(answer.status).toBe(status);
      expectBaseHeaders(answer);
      expect(cspOf(answer)).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
    });

    it('sends no HSTS outside production (plain http://localhost would remember it)', async () => {
      const answer = await api(t).get('/health');

      expect(answer.headers['strict-transport-security']).toBeUndefined();
    });
  });

  describe('Swagger UI', () => {
    it.each(['/docs', '/docs/', '/docs/index.html'])('%s: a CSP with frame-ancestors that allows its own scripts only, and inline styles by hash only', async (path) => {
      const answer = await api(t).get(path);

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/html/);
      expectBaseHeaders(answer);
      const csp = cspOf(answer);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      expect(csp['default-src']).toEqual(["'none'"]);
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['base-uri']).toEqual(["'none'"]);
      expect(csp['img-src']).toEqual(["'self'", 'data:']);
      expect(csp['connect-src']).toEqual(["'self'"]);
      expect(csp['style-src'].filter((source) => !source.startsWith("'sha256-"))).toEqual(["'self'", "'unsafe-hashes'"]);
      expectNoUnsafeSource(csp);
    });

    it('serves its scripts with nosniff and their JavaScript type', async () => {
      const answer = await api(t).get('/docs/swagger-ui-init.js');

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^application\/javascript/);
      expectBaseHeaders(answer);
    });
  });

  describe("the Stripe emulator's hosted checkout page", () => {
    it('has nosniff and a CSP with frame-ancestors: its inline style by hash, no script, forms only to itself and the shop', async () => {
      const { profile, client } = await createScenario(t.db);
      const checkout = await api(t, client.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '500' });
      expect(checkout.status).toBe(201);

      const page = await request(checkout.body.url as string).get('');

      expect(page.status).toBe(200);
      expectBaseHeaders(page);
      const csp = cspOf(page);
      expect(csp).toEqual({
        'default-src': ["'none'"],
        'style-src': [expect.stringMatching(/^'sha256-[A-Za-z0-9+/]{43}='$/)],
        // APP_URL's origin: where the buttons' 303 redirects send the buyer back.
        'form-action': ["'self'", 'http://frontend.test'],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
      });
      expectNoUnsafeSource(csp);
    });

    it('gives its notice pages no form target at all, and its JSON answers nosniff', async () => {
      const notice = await request(t.emulator.url).get('/c/pay/cs_test_unknown');
      const apiAnswer = await request(t.emulator.url).get('/v1/checkout/sessions/cs_test_unknown');

      expect(notice.status).toBe(404);
      expectBaseHeaders(notice);
      expect(cspOf(notice)['form-action']).toEqual(["'none'"]);
      expect(cspOf(notice)['frame-ancestors']).toEqual(["'none'"]);
      expect(apiAnswer.status).toBe(401);
      expect(apiAnswer.headers['x-content-type-options']).toBe('nosniff');
    });
  });
});

/**
 * The function on a bare Nest app: a whole service cannot boot in production mode against the Stripe
 * emulator (the configuration refuses STRIPE_API_BASE_URL there), and HSTS is the function's own choice.
 */
async function bareApp(nodeEnv: Env['NODE_ENV'], routes: (fastify: FastifyInstance) => void = () => undefined) {
  const moduleRef = await Test.createTestingModule({}).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  applySecurityHeaders(app, Object.assign(new Env(), { NODE_ENV: nodeEnv }));
  routes(app.getHttpAdapter().getInstance());
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe(`${applySecurityHeaders.name} in production`, () => {
  let bare: { app: INestApplication; url: string };

  beforeAll(async () => {
    bare = await bareApp('production');
  });
  afterAll(async () => {
    await bare?.app.close();
  });

  it('sends HSTS for a year, subdomains included, with the other headers', async () => {
    const answer = await request(bare.url).get('/no-such-route');

    expect(answer.status).toBe(404);
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(cspOf(answer)).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
  });
});

describe(contentSecurityPolicy.name, () => {
  const CLIENT_CSP: CspDirectives = { ...API_CSP, 'script-src': ["'self'"], 'connect-src': ["'self'"] };
  let bare: { app: INestApplication; url: string };

  beforeAll(async () => {
    // How a page route (the reference client at `/`, say) gets its own policy.
    const csp = contentSecurityPolicy(CLIENT_CSP);
    bare = await bareApp('test', (fastify) =>
      fastify.get('/', (request, reply) => {
        csp(request.raw, reply.raw, () => void reply.type('text/html').send('<!doctype html><title>client</title>'));
      }),
    );
  });
  afterAll(async () => {
    await bare?.app.close();
  });

  it("replaces the API's policy on the routes it is mounted on, and only there", async () => {
    const page = await request(bare.url).get('/');
    const other = await request(bare.url).get('/api');

    expect(page.status).toBe(200);
    expect(cspOf(page)).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"], 'script-src': ["'self'"], 'connect-src': ["'self'"] });
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(other.status).toBe(404);
    expect(cspOf(other)).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
  });
});
