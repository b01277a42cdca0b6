import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { PlatformClock } from '../../src/platform-webhooks/platform-clock';
import { PlatformDelivery } from '../../src/platform-webhooks/platform-delivery';
import { PlatformEventsRepository } from '../../src/platform-webhooks/platform-events.repository';
import { createScenario, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { captureLogs } from '../support/captured-logs';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { PlatformReceiver, verifyAt } from '../support/platform-receiver';
import { buy, checkout, lastEvent } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const HOUR = 3600_000;

interface EventView {
  id: string;
  webhookId: string;
  type: string;
  status: string;
  clientId: string;
  tryCount: number;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  tries: Array<{ outcome: string; statusCode: number | null; error: string | null; manual: boolean; attemptedAt: string }>;
}

/**
 * Events to the platform (SPEC §10) against a real webhook receiver that verifies every request with
 * the Standard Webhooks reference library. The service's PlatformClock and the receiver share one
 * settable time, so retries hours apart are made without waiting for them.
 */
describe('Events to the platform', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  let receiver: PlatformReceiver;
  let admin: TestUser;
  let now: Date;

  const delivery = () => t.app.get(PlatformDelivery);
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));

  async function eventsOf(clientId: string, status?: string): Promise<EventView[]> {
    const response = await api(t, admin.token).get(`/admin/platform-events?limit=100${status ? `&status=${status}` : ''}`);
    expect(response.status).toBe(200);
    return (response.body.items as EventView[]).filter((event) => event.clientId === clientId).reverse();
  }

  async function spend(client: TestUser, profileId: string, points: number, key = randomUUID()) {
    const response = await api(t, client.token).post('/profile-points/spend').send({ profile_id: profileId, points, reason: 'message', idempotency_key: key });
    expect(response.status).toBe(200);
    return key;
  }

  beforeAll(async () => {
    now = new Date();
    receiver = new PlatformReceiver(SECRET, () => now);
    await receiver.start();
    database = await createIsolatedDatabase('platform_webhooks');
    t = await startTestApp({ DATABASE_URL: database.url, PLATFORM_WEBHOOK_URL: receiver.url, PLATFORM_WEBHOOK_SECRET: SECRET });
    jest.spyOn(t.app.get(PlatformClock), 'now').mockImplementation(() => new Date(now));
    admin = await createUser(t.db, 'admin');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
    await database?.drop();
  });
  beforeEach(async () => {
    now = new Date(now.getTime() + 48 * HOUR);
    // Whatever an earlier test left due is delivered before this one starts.
    await receiver.start();
    receiver.answer = undefined;
    receiver.delayMs = 0;
    await delivery().drain();
    receiver.received.length = 0;
  });
  afterEach(async () => {
    await t.emulator.idle();
    expect(await ledgerDrift(t.db)).toEqual([]);
  });

  it('receiver down, then up: the same webhook-id on every try, each signed afresh, delivered once it answers 2xx', async () => {
    const { profile, client, moderator } = await createScenario(t.db);
    await receiver.stop();
    const firstAt = new Date(now);

    const purchase = await buy(t, client, profile.id);
    await delivery().drain();
    const [stored] = await eventsOf(client.id);
    expect(stored).toMatchObject({ type: 'purchase.completed', status: 'pending', tryCount: 1 });
    expect(stored.tries).toEqual([expect.objectContaining({ outcome: 'error', statusCode: null, manual: false })]);
    expect(stored.tries[0].error).toMatch(/ECONNREFUSED/);

    // Listening, but answering 503: still not delivered. Not due before 5 s have passed.
    await receiver.start();
    receiver.answer = 503;
    advance(4_000);
    await delivery().drain();
    expect(receiver.received).toHaveLength(0);
    advance(1_000);
    await delivery().drain();
    expect(receiver.of(stored.webhookId).map((entry) => entry.answered)).toEqual([503]);

    // The platform is back two hours later: the next try is made then, signed for then.
    receiver.answer = undefined;
    advance(2 * HOUR);
    await delivery().drain();

    const tries = receiver.of(stored.webhookId);
    expect(tries.map((entry) => entry.answered)).toEqual([503, 204]);
    expect(tries[1].refusal).toBeUndefined();
    expect(tries.map((entry) => entry.headers['webhook-timestamp'])).toEqual([
      String(Math.floor((firstAt.getTime() + 5_000) / 1000)),
      String(Math.floor(now.getTime() / 1000)),
    ]);
    // The 503 try's signature, replayed at the time of the delivery, is outside the receiver's 5 minutes.
    const stale = tries[0];
    expect(() => verifyAt(new Webhook(SECRET), now, stale.body, stale.headers as Record<string, string>)).toThrow(/too old/);
    expect(tries[1].body).toBe(stale.body);
    expect(tries[1].verified).toEqual({
      type: 'purchase.completed',
      timestamp: expect.any(String),
      data: {
        clientId: client.id,
        profileId: profile.id,
        transactionId: purchase.transactionId,
        moderatorId: moderator.id,
        points: 500,
        amountCents: 999,
        currency: 'eur',
        balance: 500,
        spendable: 500,
        balanceVersion: 1,
      },
    });

    const [delivered] = await eventsOf(client.id);
    expect(delivered).toMatchObject({ status: 'delivered', tryCount: 3, webhookId: stored.webhookId });
    expect(delivered.tries.map((attempt) => [attempt.outcome, attempt.statusCode])).toEqual([
      ['error', null],
      ['rejected', 503],
      ['delivered', 204],
    ]);

    // Delivered is final: nothing is sent again, however late it gets.
    advance(30 * HOUR);
    await delivery().drain();
    expect(receiver.of(stored.webhookId)).toHaveLength(2);
  });

  it('tells every kind of change with the balance after it and a version that grows with each', async () => {
    const { profile, client } = await createScenario(t.db);
    const purchase = await buy(t, client, profile.id, '1000');
    const key = await spend(client, profile.id, 100);
    await t.emulator.refund(purchase.paymentIntentId, 200);
    await t.emulator.createDispute(purchase.chargeId);
    const dispute = lastEvent(t, 'charge.dispute.created', purchase.chargeId).data.object as { id: string };
    await t.emulator.closeDispute(dispute.id, 'won');
    await delivery().drain();

    const [{ refunded_points: refunded }] = await t.db.query(`SELECT refunded_points::int FROM profile_point_transactions WHERE id = $1`, [purchase.transactionId]);
    expect(refunded).toBeGreaterThan(0);
    const disputed = 1000 - refunded;
    const received = receiver.received.filter((entry) => entry.verified?.data.clientId === client.id).map((entry) => entry.verified!);
    const bodies = [...received].sort((a, b) => Number(a.data.balanceVersion) - Number(b.data.balanceVersion));
    expect(bodies.map((body) => [body.type, body.data.points, body.data.balance, body.data.balanceVersion])).toEqual([
      ['purchase.completed', 1000, 1000, 1],
      ['points.spent', 100, 900, 2],
      ['purchase.reversed', refunded, 900 - refunded, 3],
      ['purchase.reversed', disputed, -100, 4],
      ['purchase.restored', disputed, 900 - refunded, 5],
    ]);
    expect(bodies[1].data).toEqual({ clientId: client.id, profileId: profile.id, points: 100, reason: 'message', idempotencyKey: key, balance: 900, spendable: 900, balanceVersion: 2 });
    expect(bodies[2].data).toMatchObject({ transactionId: purchase.transactionId, reason: 'refund' });
    expect(bodies[3].data).toMatchObject({ transactionId: purchase.transactionId, reason: 'dispute' });
    expect(bodies[4].data).toEqual({
      clientId: client.id,
      profileId: profile.id,
      transactionId: purchase.transactionId,
      points: disputed,
      balance: 900 - refunded,
      spendable: 900 - refunded,
      balanceVersion: 5,
    });
    // The version the API shows is the one the last event carried.
    const [row] = await t.db.query(`SELECT points_balance, balance_version FROM profile_client_interactions WHERE client_id = $1`, [client.id]);
    expect(row).toEqual({ points_balance: String(900 - refunded), balance_version: '5' });
  });

  it('tells promotional points, and points frozen by an early fraud warning then released, with what can be spent', async () => {
    const { profile, client } = await createScenario(t.db);
    const purchase = await buy(t, client, profile.id, '500');
    const granted = await api(t, admin.token)
      .post('/admin/grants')
      .send({ client_id: client.id, profile_id: profile.id, points: 7, reason: 'welcome bonus', idempotency_key: 'welcome' });
    expect(granted.status).toBe(200);
    const [warned] = await t.emulator.earlyFraudWarning(purchase.chargeId);
    expect(warned.status).toBe(200);
    const [{ fraud_warning_id: warningId }] = await t.db.query(`SELECT fraud_warning_id FROM profile_point_transactions WHERE id = $1`, [purchase.transactionId]);
    expect((await api(t, admin.token).post(`/admin/fraud-warnings/${warningId}/release`)).status).toBe(200);
    await delivery().drain();

    const bodies = receiver.received
      .filter((entry) => entry.verified?.data.clientId === client.id)
      .map((entry) => entry.verified!)
      .sort((a, b) => Number(a.data.balanceVersion) - Number(b.data.balanceVersion));
    expect(bodies.map((body) => body.type)).toEqual(['purchase.completed', 'points.granted', 'points.frozen', 'points.unfrozen']);
    expect(bodies[1].data).toEqual({
      clientId: client.id,
      profileId: profile.id,
      points: 7,
      reason: 'welcome bonus',
      idempotencyKey: 'welcome',
      balance: 507,
      spendable: 507,
      balanceVersion: 2,
    });
    // Promotional points are spent first and never frozen: the purchase's 500 are.
    expect(bodies[2].data).toEqual({ clientId: client.id, profileId: profile.id, transactionId: purchase.transactionId, points: 500, balance: 507, spendable: 7, balanceVersion: 3 });
    expect(bodies[3].data).toEqual({ clientId: client.id, profileId: profile.id, transactionId: purchase.transactionId, points: 500, balance: 507, spendable: 507, balanceVersion: 4 });
  });

  it('sends nothing for a change that rolled back after its event was stored, and one event once the change commits', async () => {
    const { profile, client } = await createScenario(t.db);
    // The crediting transaction fails at its last steps, and only if its platform event is already
    // stored in it: a 5xx to Stripe proves the event was written, then rolled back with the credit.
    await t.db.query(`
      CREATE FUNCTION fail_after_platform_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->>'clientId' = '${client.id}' AND EXISTS (SELECT 1 FROM platform_events WHERE client_id = ${client.id}) THEN
          RAISE EXCEPTION 'the change rolls back after its platform event was stored';
        END IF;
        RETURN NEW;
      END $$`);
    await t.db.query(`CREATE TRIGGER fail_after_platform_event BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION fail_after_platform_event()`);
    let deliveries;
    const logs = captureLogs();
    try {
      const purchase = await checkout(t, client, profile.id);
      deliveries = await t.emulator.paySession(purchase.sessionId);
    } finally {
      await t.db.query(`DROP TRIGGER fail_after_platform_event ON outbox_events`);
      await t.db.query(`DROP FUNCTION fail_after_platform_event()`);
    }
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((answer) => answer.status === 500)).toBe(true);
    // Each 500 is logged with its cause.
    expect(logs.messages('error')).toEqual(deliveries.map(() => expect.stringMatching(/^POST \/stripe\/webhook failed \[[\w-]+\]: the change rolls back after its platform event was stored$/)));

    await delivery().drain();
    expect(await t.db.query(`SELECT id FROM platform_events WHERE client_id = $1`, [client.id])).toEqual([]);
    expect(receiver.received.filter((entry) => entry.verified?.data.clientId === client.id)).toEqual([]);

    // Stripe delivers the payment again and it commits: exactly one event, with the one credit.
    const paid = lastEvent(t, 'checkout.session.completed');
    expect((await t.emulator.redeliver(paid.id)).status).toBe(200);
    await delivery().drain();
    const told = receiver.received.filter((entry) => entry.verified?.data.clientId === client.id);
    expect(told.map((entry) => [entry.verified!.type, entry.verified!.data.balance, entry.verified!.data.balanceVersion])).toEqual([['purchase.completed', 500, 1]]);
  });

  it('keeps alerting moderators while the platform hangs: the outbox relay does not wait for it', async () => {
    const { profile, client, moderator } = await createScenario(t.db);
    const release = receiver.hold();
    try {
      await buy(t, client, profile.id);
      // The platform has the request and does not answer; the moderator's alert goes out all the same.
      await waitUntil(() => Promise.resolve(receiver.received.some((entry) => entry.verified?.data.clientId === client.id)));
      await t.drainOutbox();
      await waitUntil(async () => (await t.db.query(`SELECT 1 FROM notifications WHERE user_id = $1 AND type = 'points.purchased'`, [moderator.id])).length === 1);
      expect(await t.db.query(`SELECT status, tries FROM platform_events WHERE client_id = $1`, [client.id])).toEqual([{ status: 'pending', tries: 0 }]);
    } finally {
      release();
    }
    await delivery().drain();
    expect((await eventsOf(client.id))[0]).toMatchObject({ status: 'delivered', tryCount: 1 });
  });

  it('gives up after the eighth try, lists the failed event, and sends it again on an admin retry', async () => {
    const { profile, client } = await createScenario(t.db);
    // Refusing from the start: the relay's own poller may try the event as soon as it is committed.
    receiver.answer = 500;
    await buy(t, client, profile.id);
    const delays = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
    await delivery().drain();
    for (const seconds of delays) {
      advance(seconds * 1000 - 1000);
      await delivery().drain();
      advance(1000);
      await delivery().drain();
    }
    const [failed] = await eventsOf(client.id, 'failed');
    expect(failed).toMatchObject({ status: 'failed', tryCount: 8 });
    expect(failed.tries.every((attempt) => attempt.outcome === 'rejected' && attempt.statusCode === 500)).toBe(true);
    expect(receiver.of(failed.webhookId)).toHaveLength(8);
    advance(100 * HOUR);
    await delivery().drain();
    expect(receiver.of(failed.webhookId)).toHaveLength(8);
    expect(await eventsOf(client.id, 'pending')).toEqual([]);

    receiver.answer = undefined;
    const retried = await api(t, admin.token).post(`/admin/platform-events/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: failed.id, webhookId: failed.webhookId, status: 'delivered', tryCount: 9 });
    expect(retried.body.tries[8]).toMatchObject({ outcome: 'delivered', statusCode: 204, manual: true });
    expect(receiver.of(failed.webhookId).at(-1)!.verified).toBeDefined();

    expect((await api(t, admin.token).post('/admin/platform-events/999999999/retry')).status).toBe(404);
    expect((await api(t, admin.token).get('/admin/platform-events?status=lost')).status).toBe(400);
    expect((await api(t, client.token).get('/admin/platform-events')).status).toBe(403);
  });

  it("takes back a crashed instance's claim once its lease has passed, and sends it once", async () => {
    const { profile, client } = await createScenario(t.db);
    await receiver.stop();
    await buy(t, client, profile.id);
    await delivery().drain();
    await receiver.start();
    advance(5_000);
    // An instance claims the event and dies before its try is settled.
    const claimed = await t.app.get(PlatformEventsRepository).claimDue(randomUUID(), now, 100);
    expect(claimed.map((event) => event.body)).toEqual([expect.stringContaining(`"clientId":"${client.id}"`)]);
    advance(30_000);
    await delivery().drain();
    expect(receiver.received).toHaveLength(0);
    advance(31_000);
    await delivery().drain();
    expect(receiver.of(claimed[0].webhookId).map((entry) => entry.answered)).toEqual([204]);
  });

  it('counts tries by outcome and the pending events in /metrics', async () => {
    const { profile, client } = await createScenario(t.db);
    receiver.answer = 503;
    await buy(t, client, profile.id);
    await delivery().drain();
    // The pending gauge is cached a few seconds: wait for a fresh count rather than for time.
    let text = '';
    for (let i = 0; i < 100; i++) {
      text = (await api(t).get('/metrics')).text;
      if (/^platform_webhook_pending 1$/m.test(text)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(text).toMatch(/^platform_webhook_pending 1$/m);
    expect(text).toMatch(/^platform_webhook_deliveries_total\{outcome="rejected"\} [1-9]\d*$/m);
    expect(text).toMatch(/^platform_webhook_deliveries_total\{outcome="delivered"\} [1-9]\d*$/m);
    expect(text).toMatch(/^platform_webhook_deliveries_total\{outcome="timeout"\} 0$/m);
    receiver.answer = undefined;
    advance(5_000);
    await delivery().drain();
  });
});

/**
 * Two instances of the service on one database, as in production behind a load balancer. In a
 * describe block of their own: both are closed together at its end (closing one Nest app of a
 * process while another keeps running is not something these tests need).
 */
describe('Events to the platform, two instances side by side', () => {
  let database: IsolatedDatabase;
  let a: TestApp;
  let b: TestApp;
  let receiver: PlatformReceiver;
  let now = new Date();

  beforeAll(async () => {
    receiver = new PlatformReceiver(SECRET, () => now);
    await receiver.start();
    database = await createIsolatedDatabase('platform_webhooks_pair');
    const env = { DATABASE_URL: database.url, PLATFORM_WEBHOOK_URL: receiver.url, PLATFORM_WEBHOOK_SECRET: SECRET };
    a = await startTestApp(env);
    b = await startTestApp(env);
    for (const app of [a, b]) jest.spyOn(app.app.get(PlatformClock), 'now').mockImplementation(() => new Date(now));
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await receiver?.stop();
    await database?.drop();
  });

  it('deliver each event once, however their claims interleave', async () => {
    const { profile, client } = await createScenario(a.db);
    const spend = async (t: TestApp) => {
      const response = await api(t, client.token)
        .post('/profile-points/spend')
        .send({ profile_id: profile.id, points: 1, reason: 'message', idempotency_key: randomUUID() });
      expect(response.status).toBe(200);
    };
    // The platform is down while 40 events are stored through both instances: each gets a failed try.
    await receiver.stop();
    await buy(a, client, profile.id, '1000');
    await Promise.all(Array.from({ length: 39 }, (_, i) => spend(i % 2 === 0 ? a : b)));
    const instances = [a.app.get(PlatformDelivery), b.app.get(PlatformDelivery)];
    await Promise.all(instances.map((instance) => instance.drain()));
    const [{ failed }] = await a.db.query(`SELECT count(*)::int AS failed FROM platform_event_attempts WHERE outcome = 'error'`);
    expect(failed).toBe(40);

    // Back up (answering slowly, so that tries overlap), and all 40 are due at once on both instances.
    await receiver.start();
    receiver.delayMs = 20;
    now = new Date(now.getTime() + 5_000);
    await Promise.all([...instances, ...instances].map((instance) => instance.drain()));

    const delivered = receiver.received.filter((entry) => entry.answered === 204).map((entry) => entry.headers['webhook-id']);
    expect(delivered).toHaveLength(40);
    expect(new Set(delivered).size).toBe(40);
    const rows = await a.db.query<Array<{ status: string; delivered_tries: number }>>(
      `SELECT e.status, count(*) FILTER (WHERE t.outcome = 'delivered')::int AS delivered_tries
         FROM platform_events e JOIN platform_event_attempts t ON t.event_id = e.id
        WHERE e.client_id = $1 GROUP BY e.id, e.status`,
      [client.id],
    );
    expect(rows).toHaveLength(40);
    expect(rows.every((row) => row.status === 'delivered' && row.delivered_tries === 1)).toBe(true);
    expect(await ledgerDrift(a.db)).toEqual([]);
  });
});

describe('Events to the platform, without PLATFORM_WEBHOOK_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PLATFORM_WEBHOOK_URL: '', PLATFORM_WEBHOOK_SECRET: '' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores none, and an admin retry says there is nowhere to send', async () => {
    const { profile, client } = await createScenario(t.db);
    await buy(t, client, profile.id);
    const spent = await api(t, client.token).post('/profile-points/spend').send({ profile_id: profile.id, points: 5, reason: 'message', idempotency_key: randomUUID() });
    expect(spent.status).toBe(200);
    expect(await t.db.query(`SELECT id FROM platform_events WHERE client_id = $1`, [client.id])).toEqual([]);
    // The balance version moves all the same: it belongs to the balance, not to the webhooks.
    const [row] = await t.db.query(`SELECT balance_version FROM profile_client_interactions WHERE client_id = $1`, [client.id]);
    expect(row).toEqual({ balance_version: '2' });
    const admin = await createUser(t.db, 'admin');
    const retried = await api(t, admin.token).post('/admin/platform-events/1/retry');
    expect(retried.status).toBe(409);
    expect(retried.body.error).toBe('PLATFORM_WEBHOOK_NOT_CONFIGURED');
  });
});
