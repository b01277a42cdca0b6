import Stripe from 'stripe';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { createStripeClient } from '../../src/payments/stripe.client';
import { createScenario, createUser, TestUser } from '../factories';
import { ChildApp, startChildApp } from '../support/child-process';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { checkout } from '../support/purchases';
import { ids, NotificationsClient, userSockets } from '../support/sockets';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_WEBHOOK_SECRET, testServiceEnv } from '../support/test-app';
import { deliver } from '../support/webhooks';
import { sleep, waitUntil } from '../support/wait';
import { report } from '../support/captured-logs';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The report: instances died 5–10 s after the first alert relayed during an outage. Watch longer than that. */
const CUT_MS = 12_000;
const PURCHASES_DURING_CUT = 24;

/**
 * Two instances of the real service, each its own process (an exit is an exit), sharing PostgreSQL
 * and a Redis reached through a proxy that the test cuts: every connection reset, new ones refused,
 * then accepted again. A relays the outbox; B does not (OUTBOX_RELAY_ENABLED=false), so every alert
 * is pushed by A, and reaches the moderator's socket on B only across Redis — or, for what was pushed
 * while Redis was gone, by B catching up from the database once Redis is back.
 */
describe('Redis outage: every instance keeps serving, alerts cross instances again after it', () => {
  let database: IsolatedDatabase;
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let redis: TcpProxy;
  let a: ChildApp;
  let b: ChildApp;
  const children: ChildApp[] = [];
  let env: Record<string, string>;
  const { connect, closeAll } = userSockets();

  async function start(extra: Record<string, string>): Promise<ChildApp> {
    const child = await startChildApp({ ...env, ...extra });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    database = await createIsolatedDatabase('redisout');
    emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET, retry: { attempts: 1, baseDelayMs: 50 } });
    stripe = createStripeClient('sk_test_emulator', emulator.url);
    const target = new URL(REDIS_URL);
    redis = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    env = { ...testServiceEnv(database.url, emulator.url), REDIS_URL: redis.urlFor(REDIS_URL), RECONCILE_INTERVAL_MS: '0' };
    a = await start({ OUTBOX_RELAY_ENABLED: 'true' });
    b = await start({ OUTBOX_RELAY_ENABLED: 'false' });
  }, 60_000);
  afterAll(async () => {
    try {
      closeAll();
      for (const child of children) await child.kill();
      await redis?.close();
      await emulator?.stop();
    } finally {
      await database?.drop();
    }
  });

  /** A checkout on `app`, paid by a signed webhook sent to `to`; the checkout's time in ms and the webhook's status. */
  async function purchase(app: ChildApp, to: ChildApp, client: TestUser, profileId: string) {
    const started = Date.now();
    const { sessionId, transactionId } = await checkout(app, client, profileId, '100');
    const checkoutMs = Date.now() - started;
    const status = await deliver(to, await paidEvent(sessionId));
    return { transactionId, checkoutMs, status };
  }

  async function paidEvent(sessionId: string) {
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    const payload = JSON.stringify({
      id: `evt_redis_${sessionId}`,
      object: 'event',
      type: 'checkout.session.completed',
      livemode: false,
      created: Math.floor(Date.now() / 1000),
      data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${sessionId}` } },
    });
    return { payload, signature: emulator.signPayload(payload) };
  }

  async function ready(app: ChildApp) {
    const response = await fetch(`${app.url}/health/ready`);
    return { status: response.status, body: (await response.json()) as { info?: Record<string, { status: string }>; details?: Record<string, { status: string }> } };
  }

  const alive = (app: ChildApp) => app.process.exitCode === null && app.process.signalCode === null;

  it('credits every purchase during the cut, answers checkouts fast, stays ready, and delivers what B missed once Redis is back', async () => {
    const { moderator, profile } = await createScenario(database.db);
    const clients = await Promise.all(Array.from({ length: 4 }, () => createUser(database.db, 'client')));
    const onA = await connect(a, moderator);
    const onB = await connect(b, moderator);

    // Before the cut: an alert pushed by A reaches B across Redis.
    const first = await purchase(a, a, clients[0], profile.id);
    expect(first.status).toBe(200);
    await onB.waitFor(1, { event: 'points.purchased', timeoutMs: 3000 });

    redis.drop();
    const cutAt = Date.now();
    const during: Array<Awaited<ReturnType<typeof purchase>>> = [];
    for (let i = 0; i < PURCHASES_DURING_CUT; i++) {
      // Checkouts and webhooks on both instances, two at a time.
      const pair = await Promise.all([
        purchase(a, b, clients[i % clients.length], profile.id),
        purchase(b, a, clients[(i + 1) % clients.length], profile.id),
      ]);
      during.push(...pair);
      i++;
    }
    // Alerts keep flowing to sockets on the relaying instance.
    await onA.waitFor(1 + during.length, { event: 'points.purchased', timeoutMs: 10_000 });
    for (const app of [a, b]) {
      const { status, body } = await ready(app);
      expect(status).toBe(200);
      expect(body.details?.redis?.status).toBe('degraded');
      expect(body.details?.database?.status).toBe('up');
      expect(await (await fetch(`${app.url}/metrics`)).text()).toMatch(/^redis_connected 0$/m);
    }
    await sleep(Math.max(0, CUT_MS - (Date.now() - cutAt)));
    expect([alive(a), alive(b)]).toEqual([true, true]);

    redis.forward();
    const restoredAt = Date.now();
    // B catches up from the database without waiting for its sockets to reconnect.
    await onB.waitFor(1 + during.length, { event: 'points.purchased', timeoutMs: 15_000 });
    const caughtUpMs = Date.now() - restoredAt;
    // And live pushes cross instances again.
    const after = await purchase(a, a, clients[0], profile.id);
    await onB.waitFor(2 + during.length, { event: 'points.purchased', timeoutMs: 5000 });
    await sleep(500);

    const checkoutMs = during.map((entry) => entry.checkoutMs).sort((x, y) => x - y);
    const p99 = checkoutMs[Math.ceil(checkoutMs.length * 0.99) - 1];
    report(
      `redis cut: ${[a, b].filter(alive).length}/2 instances alive; ${during.filter((entry) => entry.status === 200).length}/${during.length} webhooks 2xx; ` +
        `checkout p99 ${p99} ms during the cut; alerts crossed instances again ${(caughtUpMs / 1000).toFixed(1)} s after Redis came back`,
    );
    expect(during.map((entry) => entry.status)).toEqual(during.map(() => 200));
    expect(p99).toBeLessThan(2000);
    const all = [first, ...during, after].map((entry) => entry.transactionId);
    const credited = await database.db.query<Array<{ id: string }>>(`SELECT id FROM profile_point_transactions WHERE id = ANY($1) AND status = 'completed'`, [all]);
    expect(credited).toHaveLength(all.length);
    expect(await ledgerDrift(database.db)).toEqual([]);
    for (const socket of [onA, onB]) expectEachOnce(socket, all);
    expect([alive(a), alive(b)]).toEqual([true, true]);
  }, 90_000);

  it('answers at once while Redis stops answering without closing its connections (a black hole)', async () => {
    const { moderator, profile } = await createScenario(database.db);
    const client = await createUser(database.db, 'client');
    redis.stall();
    try {
      for (const app of [a, b]) {
        for (let i = 0; i < 5; i++) {
          const started = Date.now();
          const response = await fetch(`${app.url}/profile/${profile.id}/points`, { headers: { Authorization: `Bearer ${client.token}` } });
          expect(response.status).toBe(200);
          // Each request waits for Redis at most its command timeout (250 ms), then counts in memory.
          expect(Date.now() - started).toBeLessThan(2000);
        }
        // Noticed by the unanswered PING within about two seconds; ready all along.
        await waitUntil(async () => {
          const { status, body } = await ready(app);
          expect(status).toBe(200);
          return body.details?.redis?.status === 'degraded';
        }, 5000);
      }
      const bought = await purchase(b, a, client, profile.id);
      expect(bought.status).toBe(200);
      expect(bought.checkoutMs).toBeLessThan(2000);
    } finally {
      redis.forward();
    }
    // Once Redis answers again, pushes cross instances.
    const onB = await connect(b, moderator);
    await waitUntil(async () => (await ready(a)).body.details?.redis?.status === 'up', 10_000);
    const after = await purchase(a, a, client, profile.id);
    // (The alert of the purchase made during the stall may come first: A sends what it held once Redis answers.)
    await waitUntil(() => Promise.resolve(onB.events('points.purchased').some((alert) => alert.payload.transactionId === after.transactionId)), 5000);
  }, 60_000);

  it('starts while Redis is down, limits requests in its own memory meanwhile, and joins the others when Redis appears', async () => {
    const { moderator, profile } = await createScenario(database.db);
    const client = await createUser(database.db, 'client');
    redis.drop();
    let c: ChildApp;
    try {
      c = await start({ OUTBOX_RELAY_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: '5' });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        statuses.push((await fetch(`${c.url}/profile/${profile.id}/points`, { headers: { Authorization: `Bearer ${client.token}` } })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect((await ready(c)).body.details?.redis?.status).toBe('degraded');
    } finally {
      redis.forward();
    }
    await waitUntil(async () => (await ready(c)).body.details?.redis?.status === 'up', 10_000);
    const onC = await connect(c, moderator);
    const bought = await purchase(a, a, client, profile.id);
    await waitUntil(() => Promise.resolve(onC.events('points.purchased').some((alert) => alert.payload.transactionId === bought.transactionId)), 5000);
  }, 60_000);

  it('reads back from the database what an instance that died during the outage pushed', async () => {
    const { moderator, profile } = await createScenario(database.db);
    const client = await createUser(database.db, 'client');
    const onA = await connect(a, moderator);
    const onB = await connect(b, moderator);
    redis.drop();
    try {
      const bought = await purchase(a, a, client, profile.id);
      expect(bought.status).toBe(200);
      await onA.waitFor(1, { event: 'points.purchased', timeoutMs: 5000 });
      // A held its push for B, and dies with it: only the database still knows.
      await a.kill();
      expect(onB.events()).toEqual([]);
    } finally {
      redis.forward();
    }
    const [alert] = await onB.waitFor(1, { event: 'points.purchased', timeoutMs: 10_000 });
    expect(alert.payload).toMatchObject({ moderatorId: moderator.id, clientId: client.id });
    await sleep(500);
    expect(onB.events()).toHaveLength(1);
  }, 60_000);

  function expectEachOnce(socket: NotificationsClient, transactionIds: string[]) {
    const alerts = socket.events('points.purchased');
    expect(alerts.map((alert) => alert.payload.transactionId).sort()).toEqual([...transactionIds].sort());
    expect(new Set(ids(alerts)).size).toBe(alerts.length);
  }
});
