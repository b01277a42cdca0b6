import { createScenario, createUser, tokenFor } from '../factories';
import { api } from '../support/http';
import { sampleUrl, servedRoutes } from '../support/routes';
import { startTestApp, TestApp } from '../support/test-app';

const PUBLIC_ROUTES = new Set(['post /stripe/webhook', 'get /health', 'get /health/live', 'get /health/ready', 'get /metrics']);

describe('Authentication and authorization', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  function jwtRoutes() {
    // The platform backend's routes take INTEGRATION_TOKEN, not a JWT (test/e2e/integration.e2e.spec.ts).
    const routes = servedRoutes(t.app).filter((route) => !PUBLIC_ROUTES.has(`${route.method} ${route.path}`) && !route.path.startsWith('/integration/'));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    return routes;
  }

  it.each([
    ['no token', () => undefined],
    ['a malformed token', () => 'not-a-jwt'],
    ['a token signed with another secret', (id: string) => tokenFor({ id, role: 'client' }, { secret: 'another-secret-of-sufficient-length-000000' })],
    ['an expired token', (id: string) => tokenFor({ id, role: 'client' }, { expiresIn: -10 })],
    ['a token for a user that does not exist', () => tokenFor({ id: '987654321', role: 'admin' })],
  ])('answers 401 on every JWT route with %s', async (_label, makeToken) => {
    const client = await createUser(t.db, 'client');
    const token = makeToken(client.id);
    for (const route of jwtRoutes()) {
      const agent = api(t, token);
      const url = sampleUrl(route);
      const response = await (route.method === 'get' ? agent.get(url) : agent[route.method as 'post' | 'put'](url).send({}));
      expect({ route: `${route.method} ${route.path}`, status: response.status, error: response.body.error }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
        error: 'UNAUTHORIZED',
      });
    }
  });

  it('answers 404 on every integration route while INTEGRATION_TOKEN is not set, whatever the token', async () => {
    const admin = await createUser(t.db, 'admin');
    const routes = servedRoutes(t.app).filter((route) => route.path.startsWith('/integration/'));
    expect(routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      'delete /integration/users/{id}',
      'get /integration/balances',
      'post /integration/grants',
      'post /integration/import',
      'post /integration/spend',
      'put /integration/profiles/{id}',
      'put /integration/users/{id}',
    ]);
    for (const token of [undefined, admin.token, 'an-integration-token-nobody-configured-0000']) {
      for (const route of routes) {
        const agent = api(t, token);
        const url = sampleUrl(route);
        const response = await (route.method === 'get' ? agent.get(url) : agent[route.method as 'post' | 'put' | 'delete'](url).send({}));
        expect({ route: `${route.method} ${route.path}`, status: response.status, error: response.body.error }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 404,
          error: 'NOT_FOUND',
        });
      }
    }
  });

  it('keeps the webhook and health reachable without a token', async () => {
    expect((await api(t).get('/health')).status).toBe(200);
    expect((await api(t).post('/stripe/webhook').send({})).status).toBe(400);
  });

  it('lets only clients buy and read their own history', async () => {
    const { moderator, profile } = await createScenario(t.db);
    const admin = await createUser(t.db, 'admin');
    for (const user of [moderator, admin]) {
      const response = await api(t, user.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '100' });
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('FORBIDDEN');
    }
    expect((await api(t, moderator.token).get('/profile-points/transactions/client')).status).toBe(403);
  });

  it("shows a profile's transactions to its moderator and admins, refuses other moderators", async () => {
    const { moderator, profile, client } = await createScenario(t.db);
    const otherModerator = await createUser(t.db, 'moderator');
    const admin = await createUser(t.db, 'admin');
    const secondClient = await createUser(t.db, 'client');
    for (const buyer of [client, secondClient]) {
      await api(t, buyer.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '100' }).expect(201);
    }

    const asModerator = await api(t, moderator.token).get(`/profile-points/transactions/profile/${profile.id}`);
    const asAdmin = await api(t, admin.token).get(`/profile-points/transactions/profile/${profile.id}`);
    const asClient = await api(t, client.token).get(`/profile-points/transactions/profile/${profile.id}`);
    const asOther = await api(t, otherModerator.token).get(`/profile-points/transactions/profile/${profile.id}`);

    expect(asModerator.body.items).toHaveLength(2);
    expect(asAdmin.body.items).toHaveLength(2);
    expect(asClient.body.items.map((row: { clientId: string }) => row.clientId)).toEqual([client.id]);
    expect(asOther.status).toBe(403);
    expect(asOther.body.error).toBe('NOT_PROFILE_MODERATOR');
  });

  it('pages a history newest first with a keyset cursor', async () => {
    const { profile, client } = await createScenario(t.db);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await api(t, client.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '100' });
      ids.push(response.body.transactionId);
    }

    const first = await api(t, client.token).get('/profile-points/transactions/client?limit=2');
    const second = await api(t, client.token).get(`/profile-points/transactions/client?limit=2&cursor=${first.body.nextCursor}`);
    const third = await api(t, client.token).get(`/profile-points/transactions/client?limit=2&cursor=${second.body.nextCursor}`);

    const newestFirst = [...ids].reverse();
    expect(first.body.items.map((row: { id: string }) => row.id)).toEqual(newestFirst.slice(0, 2));
    expect(second.body.items.map((row: { id: string }) => row.id)).toEqual(newestFirst.slice(2, 4));
    expect(third.body.items.map((row: { id: string }) => row.id)).toEqual(newestFirst.slice(4));
    expect(third.body.nextCursor).toBeNull();
  });
});
