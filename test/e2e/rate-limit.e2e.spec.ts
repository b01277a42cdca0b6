import { createClient } from 'redis';
import { ReconciliationService } from '../../src/payments/reconciliation/reconciliation.service';
import { RATE_LIMIT_KEY_PREFIX } from '../../src/rate-limit/redis-throttler-storage';
import { createProfile, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { StripeProxy } from '../support/stripe-proxy';
import { startTestApp, TestApp } from '../support/test-app';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMITS = {
  RATE_LIMIT_CHECKOUT_PER_MINUTE: '5',
  RATE_LIMIT_SPEND_PER_MINUTE: '4',
  RATE_LIMIT_PER_MINUTE: '8',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '6',
  RATE_LIMIT_INTEGRATION_PER_MINUTE: '5',
};
/** Two tokens: the platform's backend during a rotation. */
const INTEGRATION_TOKENS = ['rate-limit-suite-integration-token-a-7c1e90d4b2', 'rate-limit-suite-integration-token-b-3f8a26e5c1'];

const octet = () => 1 + Math.floor(Math.random() * 254);
/** The address the trusted proxy saw: random, so no other run's counter is shared. */
const randomAddress = () => `10.${octet()}.${octet()}.${octet()}`;

type Answer = { status: number; headers: Record<string, string>; body: { error?: string; message?: string } };

/**
 * Two instances sharing one PostgreSQL and one Redis: the limits of SPEC §9 hold for a user as a
 * whole, whichever instance each request reaches. The database is a fresh one with user ids far from
 * other runs', since the counters live in Redis for a minute.
 */
describe('Rate limits shared by every instance', () => {
  let database: IsolatedDatabase;
  let a: TestApp;
  let b: TestApp;
  let profileId: string;

  beforeAll(async () => {
    database = await createIsolatedDatabase('ratelimit');
    // Behind one trusted proxy: each test's client address is its own, whatever else ran within the minute.
    const shared = { DATABASE_URL: database.url, REDIS_URL, OUTBOX_RELAY_ENABLED: 'false', TRUST_PROXY: '1', INTEGRATION_TOKEN: INTEGRATION_TOKENS.join(','), ...LIMITS };
    a = await startTestApp(shared);
    b = await startTestApp(shared);
    const moderator = await createUser(database.db, 'moderator');
    profileId = (await createProfile(database.db, moderator)).id;
  });
  afterAll(async () => {
    try {
      for (const app of [a, b]) await app?.close();
    } finally {
      await database?.drop();
    }
  });

  const countWhere = async (sql: string, params: unknown[]) =>
    (await database.db.query<Array<{ count: number }>>(`SELECT count(*)::int AS count FROM ${sql}`, params))[0].count;

  function expectRefused(answer: Answer) {
    expect(answer.status).toBe(429);
    expect(answer.body.error).toBe('RATE_LIMITED');
    const retryAfter = Number(answer.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  }

  it("limits one user's burst of checkouts spread over both instances as a whole; the 429s write nothing", async () => {
    const client = await createUser(database.db, 'client');
    const answers: Answer[] = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api(i % 2 ? a : b, client.token).post('/profile-points/checkout').send({ profile_id: profileId, pack: '100' })),
    );
    const created = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(created).toHaveLength(5);
    expect(refused).toHaveLength(7);
    refused.forEach(expectRefused);
    expect(await countWhere(`profile_point_transactions WHERE client_id = $1`, [client.id])).toBe(5);

    // Another user is unaffected, on either instance.
    const other = await createUser(database.db, 'client');
    for (const app of [a, b]) {
      expect((await api(app, other.token).post('/profile-points/checkout').send({ profile_id: profileId, pack: '100' })).status).toBe(201);
    }
    // The same user's other routes have their own budget.
    expect((await api(a, client.token).get('/profile-points/transactions/client')).status).toBe(200);
  });

  it('limits spends per user; a refused spend spends nothing', async () => {
    const client = await createUser(database.db, 'client');
    const checkout = await api(a, client.token).post('/profile-points/checkout').send({ profile_id: profileId, pack: '100' });
    expect((await a.emulator.paySession((checkout.body as { sessionId: string }).sessionId))[0].status).toBe(200);

    const answers: Answer[] = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        await api(i % 2 ? a : b, client.token)
          .post('/profile-points/spend')
          .send({ profile_id: profileId, points: 1, reason: 'message', idempotency_key: `spend-${i}` }),
      );
    }
    expect(answers.slice(0, 4).map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    answers.slice(4).forEach(expectRefused);
    expect(await countWhere(`point_spends WHERE client_id = $1`, [client.id])).toBe(4);
  });

  it("limits a user's other requests together, across routes and instances", async () => {
    const client = await createUser(database.db, 'client');
    const paths = ['/profile-points/transactions/client', `/profile/${profileId}/points`, '/notifications'];
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await api(i % 2 ? a : b, client.token).get(paths[i % paths.length])).status);
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(200));
    expect(statuses.slice(8)).toEqual([429, 429]);
  });

  it('limits requests without a valid token per client address, forged tokens included', async () => {
    const address = randomAddress();
    const tokens = [undefined, 'not-a-jwt', undefined, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged', undefined, undefined, undefined, undefined];
    const answers: Answer[] = [];
    for (const [i, token] of tokens.entries()) {
      answers.push(await api(i % 2 ? a : b, token).get('/profile-points/transactions/client').set('X-Forwarded-For', address));
    }
    expect(answers.slice(0, 6).map((answer) => answer.status)).toEqual(Array(6).fill(401));
    answers.slice(6).forEach(expectRefused);
    // Another address is unaffected.
    expect((await api(a).get('/profile-points/transactions/client').set('X-Forwarded-For', randomAddress())).status).toBe(401);
  });

  it('counts requests outside the API (docs, unknown paths) in the same per-address budget', async () => {
    const address = randomAddress();
    const paths = ['/docs-json', '/no/such/route', '/docs', '/profile-points/transactions/client', '/docs-json', '/nope'];
    const answers: Answer[] = [];
    for (const [i, path] of paths.entries()) answers.push(await api(i % 2 ? a : b).get(path).set('X-Forwarded-For', address));
    expect(answers.map((answer) => answer.status)).toEqual([200, 404, 200, 401, 200, 404]);
    for (const path of ['/docs-json', '/docs', '/no/such/route', '/profile-points/transactions/client']) {
      const refused = await api(a).get(path).set('X-Forwarded-For', address);
      expectRefused(refused);
      expect(refused.body).toMatchObject({ status: 429, correlationId: refused.headers['x-request-id'] });
    }
    expect((await api(b).get('/docs-json').set('X-Forwarded-For', randomAddress())).status).toBe(200);
  });

  it("limits the platform backend's integration requests all together, whichever token and instance; an import counts once", async () => {
    // One budget for the whole backend: a counter no other suite's run may have started within the minute.
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      await redis.del(`${RATE_LIMIT_KEY_PREFIX}integration:platform`);
    } finally {
      await redis.quit();
    }
    const client = await createUser(database.db, 'client');
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ type: 'user', id: String(9_100_000_000_000_000n + BigInt(Date.now()) * 100n + BigInt(i)), role: 'client' })).join('\n');
    const calls = [
      () => api(a, INTEGRATION_TOKENS[0]).get(`/integration/balances?client_id=${client.id}&profile_id=${profileId}`),
      () => api(b, INTEGRATION_TOKENS[1]).post('/integration/import').set('Content-Type', 'application/x-ndjson').send(lines),
      () => api(a, INTEGRATION_TOKENS[1]).get(`/integration/balances?client_id=${client.id}&profile_id=${profileId}`),
      () => api(b, INTEGRATION_TOKENS[0]).get(`/integration/balances?client_id=${client.id}&profile_id=${profileId}`),
      () => api(a, INTEGRATION_TOKENS[0]).get(`/integration/balances?client_id=${client.id}&profile_id=${profileId}`),
    ];
    const answers: Answer[] = [];
    for (const call of calls) answers.push(await call());
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[1].body).toMatchObject({ created: 50 });

    const id = String(9_200_000_000_000_000n + BigInt(Date.now()));
    const refused = await api(b, INTEGRATION_TOKENS[1]).put(`/integration/users/${id}`).send({ role: 'client' });
    expectRefused(refused);
    expect(await countWhere('users WHERE id = $1', [id])).toBe(0);
    // A user's own budget is not the platform's.
    expect((await api(a, client.token).get('/profile-points/transactions/client')).status).toBe(200);
  });

  it('never limits the health checks or signed webhooks; deliveries with a bad signature spend the address budget', async () => {
    const address = randomAddress();
    for (let i = 0; i < 15; i++) expect((await api(a).get('/health').set('X-Forwarded-For', address)).status).toBe(200);
    const forged = (app: TestApp, body: string | object = {}) =>
      api(app).post('/stripe/webhook').set('X-Forwarded-For', address).set('Content-Type', 'application/json').set('Stripe-Signature', 't=1,v1=00').send(body);

    // The budget (6) is shared by both instances; past it, a 429 that Stripe would retry as it retries a 400.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await forged(i % 2 ? a : b)).status);
    expect(statuses).toEqual(Array(6).fill(400));
    expectRefused(await forged(a));
    // Refused before its megabyte is read, while the budget stays spent.
    const large = await forged(a, JSON.stringify({ padding: 'x'.repeat(1_000_000) }));
    expectRefused(large);
    expect(large.body.message).toMatch(/webhook deliveries with an invalid Stripe signature from this address/);

    // Signed deliveries are never counted, from anywhere.
    const signed = JSON.stringify({ id: `evt_signed_${Date.now()}`, object: 'event', livemode: false, type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: {} } });
    for (let i = 0; i < 10; i++) {
      const answer = await api(b).post('/stripe/webhook').set('X-Forwarded-For', randomAddress()).set('Content-Type', 'application/json').set('Stripe-Signature', b.emulator.signPayload(signed)).send(signed);
      expect(answer.status).toBe(200);
    }
  });
});

describe('Stripe calls bounded', () => {
  let t: TestApp;
  let proxy: StripeProxy;
  let reconciliation: ReconciliationService;
  let profileId: string;

  beforeAll(async () => {
    proxy = await StripeProxy.start();
    // The service talks to its emulator through the counting proxy.
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0', STRIPE_API_BASE_URL: proxy.url });
    proxy.target = t.emulator.url;
    reconciliation = t.app.get(ReconciliationService);
    const moderator = await createUser(t.db, 'moderator');
    profileId = (await createProfile(t.db, moderator)).id;
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
  });

  const checkout = (client: TestUser) => api(t, client.token).post('/profile-points/checkout').send({ profile_id: profileId, pack: '100' });

  it("caps a client's open checkouts, then lets them buy again once one is paid", async () => {
    const client = await createUser(t.db, 'client');
    const sessions: string[] = [];
    for (let i = 0; i < 10; i++) sessions.push(((await checkout(client)).body as { sessionId: string }).sessionId);
    const refused = (await checkout(client)) as Answer;
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('RATE_LIMITED');
    expect(refused.body.message).toMatch(/waiting for payment/);
    // Until the oldest expires (30 minutes after it started), not a minute that frees nothing.
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(29 * 60);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30 * 60);

    await t.emulator.paySession(sessions[0]);
    expect((await checkout(client)).status).toBe(201);
  });

  it('holds the open-checkout cap under concurrent checkouts of one client', async () => {
    const client = await createUser(t.db, 'client');
    const answers = (await Promise.all(Array.from({ length: 15 }, () => checkout(client)))) as Answer[];
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(10);
    expect(answers.filter((answer) => answer.status === 429 && answer.body.error === 'RATE_LIMITED')).toHaveLength(5);
    const [{ count }] = await t.db.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM profile_point_transactions WHERE client_id = $1 AND status = 'pending'`,
      [client.id],
    );
    expect(count).toBe(10);
  });

  it('asks Stripe for a Checkout Session that expires in 30 minutes, not a day', async () => {
    const client = await createUser(t.db, 'client');
    const { sessionId } = (await checkout(client)).body as { sessionId: string };
    const session = t.emulator.getSession(sessionId)!;
    expect(session.expires_at - session.created).toBeGreaterThanOrEqual(30 * 60 - 5);
    expect(session.expires_at - session.created).toBeLessThanOrEqual(30 * 60 + 5);
  });

  it('makes one Stripe lookup however often the success page of a pending purchase is polled', async () => {
    const client = await createUser(t.db, 'client');
    const { sessionId } = (await checkout(client)).body as { sessionId: string };
    proxy.reset();
    await Promise.all(Array.from({ length: 20 }, () => api(t, client.token).get(`/profile-points/success?session_id=${sessionId}`)));
    for (let i = 0; i < 20; i++) expect((await api(t, client.token).get(`/profile-points/success?session_id=${sessionId}`)).status).toBe(200);
    expect(proxy.calls('GET', '/v1/checkout/sessions/')).toBe(1);
  });

  it('reconciles a few sessions at a time and stops at Stripe\'s first 429, then skips the next pass', async () => {
    const client = await createUser(t.db, 'client');
    const others = await Promise.all(Array.from({ length: 3 }, () => createUser(t.db, 'client')));
    for (const buyer of [client, ...others]) for (let i = 0; i < 5; i++) expect((await checkout(buyer)).status).toBe(201);

    proxy.reset();
    const summary = await reconciliation.reconcilePending(0);
    expect(summary.checked).toBeGreaterThanOrEqual(20);
    expect(proxy.maxInFlight).toBeGreaterThan(1);
    expect(proxy.maxInFlight).toBeLessThanOrEqual(4);

    proxy.reset();
    proxy.rateLimitNext(1);
    const limited = await reconciliation.reconcilePending(0);
    expect(limited.outcomes.stripe_error).toBeGreaterThanOrEqual(1);
    expect(proxy.calls('GET', '/v1/checkout/sessions/')).toBeLessThanOrEqual(4);
    expect(await reconciliation.scheduledPass()).toBeNull();
    expect(await reconciliation.scheduledPass()).not.toBeNull();
  });
});
