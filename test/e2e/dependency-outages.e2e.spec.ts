import { createScenario, createUser } from '../factories';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { checkout } from '../support/purchases';
import { NotificationsClient } from '../support/sockets';
import { StripeProxy } from '../support/stripe-proxy';
import { TcpProxy } from '../support/tcp-proxy';
import { captureLogs } from '../support/captured-logs';
import { startTestApp, TestApp } from '../support/test-app';
import { postWebhook } from '../support/webhooks';
import { waitUntil } from '../support/wait';

/** The contract of SPEC §12 for PostgreSQL and Stripe: a 503 with Retry-After, never a 500 or a hang; recovery by itself. */
describe('PostgreSQL and Stripe failing: clear answers, nothing lost, recovery by itself', () => {
  let database: IsolatedDatabase;
  let postgres: TcpProxy;
  let stripe: StripeProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await createIsolatedDatabase('depsout');
    const direct = new URL(database.url);
    postgres = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    stripe = await StripeProxy.start();
    t = await startTestApp({
      DATABASE_URL: postgres.urlFor(database.url),
      STRIPE_API_BASE_URL: stripe.url,
      RECONCILE_INTERVAL_MS: '0',
      RECONCILE_AFTER_SECONDS: '0',
    });
    stripe.target = t.emulator.url;
  });
  afterAll(async () => {
    try {
      await t?.close();
      await stripe?.stop();
      await postgres?.close();
    } finally {
      await database?.drop();
    }
  });
  afterEach(() => {
    postgres.forward();
    stripe.reset();
  });

  async function purchaseRow(id: string) {
    const [row] = await database.db.query<Array<{ status: string; stripe_session_id: string | null; failure_reason: string | null }>>(
      `SELECT status, stripe_session_id, failure_reason FROM profile_point_transactions WHERE id = $1`,
      [id],
    );
    return row;
  }

  const reconcile = async (adminToken: string) =>
    fetch(`${t.url}/admin/reconciliation/run`, { method: 'POST', headers: { Authorization: `Bearer ${adminToken}` } });

  it('answers 503 DATABASE_BUSY with Retry-After on every kind of request while PostgreSQL refuses connections, and recovers by itself', async () => {
    // The relay, retention, the socket handshake and the health check each log what failed meanwhile.
    const logs = captureLogs();
    const { moderator, profile, client } = await createScenario(database.db);
    const auth = { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' };

    postgres.drop();
    const answers = [
      await fetch(`${t.url}/profile/${profile.id}/points`, { headers: auth }),
      await fetch(`${t.url}/profile-points/transactions/client`, { headers: auth }),
      await fetch(`${t.url}/profile-points/checkout`, { method: 'POST', headers: auth, body: JSON.stringify({ profile_id: profile.id, pack: '100' }) }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(await answer.json()).toMatchObject({ status: 503, error: 'DATABASE_BUSY' });
    }
    // A webhook is answered 503 too, so that Stripe delivers it again later.
    const event = JSON.stringify({ id: 'evt_db_down', object: 'event', type: 'checkout.session.completed', livemode: false, created: Math.floor(Date.now() / 1000), data: { object: {} } });
    expect((await postWebhook(t, event, t.emulator.signPayload(event))).status).toBe(503);
    // A socket is refused with 503, never a connected socket that cannot replay.
    const refused = await NotificationsClient.refusal(t.url, { token: moderator.token });
    expect(refused.data).toMatchObject({ status: 503 });
    expect(logs.messages('error')).toContainEqual(expect.stringMatching(/^socket \S+ handshake failed: /));

    // Readiness names what is down, not how: no address, no driver error.
    const ready = await fetch(`${t.url}/health/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { message: string };
    expect(body.message).toBe('Not ready: database unavailable');
    // The log has the cause the answer leaves out.
    expect(logs.messages('error')).toContainEqual(expect.stringMatching(/^Health Check has failed! .*"database":\{"message":"[^"]+".*"status":"down"/));
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);

    postgres.forward();
    await waitUntil(async () => (await fetch(`${t.url}/profile/${profile.id}/points`, { headers: auth })).status === 200, 15_000);
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    const bought = await checkout(t, client, profile.id, '100');
    expect((await purchaseRow(bought.transactionId)).status).toBe('pending');
  });

  it('gives the buyer the session Stripe made while PostgreSQL refused to store it, and reconciliation attaches it', async () => {
    const { profile, client } = await createScenario(database.db);
    const admin = await createUser(database.db, 'admin');
    // PostgreSQL goes away while Stripe makes the session: its id cannot be stored.
    stripe.onNext('POST /v1/checkout/sessions', () => postgres.drop());

    const answer = await fetch(`${t.url}/profile-points/checkout`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile_id: profile.id, pack: '100' }),
    });
    expect(answer.status).toBe(201);
    const { sessionId, transactionId } = (await answer.json()) as { sessionId: string; transactionId: string };
    expect(await purchaseRow(transactionId)).toMatchObject({ status: 'pending', stripe_session_id: null });

    postgres.forward();
    await waitUntil(async () => (await reconcile(admin.token)).status === 200, 15_000);
    expect(await purchaseRow(transactionId)).toMatchObject({ status: 'pending', stripe_session_id: sessionId });

    // The buyer pays the session it was given: credited.
    const [delivery] = await t.emulator.paySession(sessionId);
    expect(delivery.status).toBe(200);
    expect((await purchaseRow(transactionId)).status).toBe('completed');
  });

  it('answers a checkout within 25 s while Stripe hangs, and reconciliation settles what Stripe did or did not make', async () => {
    const { profile } = await createScenario(database.db);
    const [first, second] = await Promise.all([createUser(database.db, 'client'), createUser(database.db, 'client')]);
    const admin = await createUser(database.db, 'admin');
    // Stripe never answers; it makes the first checkout's session, never hears of the second.
    let reached: string | undefined;
    stripe.hang('POST /v1/checkout/sessions', (key) => (reached ??= key) === key);

    const started = Date.now();
    const answers = await Promise.all(
      [first, second].map((client) =>
        fetch(`${t.url}/profile-points/checkout`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ profile_id: profile.id, pack: '100' }),
        }),
      ),
    );
    const elapsedMs = Date.now() - started;
    expect(elapsedMs).toBeLessThan(25_000);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(await answer.json()).toMatchObject({ error: 'STRIPE_UNAVAILABLE' });
    }
    stripe.answerAgain();

    const rows = await database.db.query<Array<{ id: string; client_id: string }>>(
      `SELECT id, client_id FROM profile_point_transactions WHERE client_id = ANY($1) ORDER BY id`,
      [[first.id, second.id]],
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(await purchaseRow(row.id)).toMatchObject({ status: 'pending', stripe_session_id: null });

    expect((await reconcile(admin.token)).status).toBe(200);
    const made = rows.find((row) => reached === `checkout-${row.id}`)!;
    const never = rows.find((row) => row !== made)!;
    const attached = await purchaseRow(made.id);
    expect(attached).toMatchObject({ status: 'pending', stripe_session_id: expect.stringMatching(/^cs_/) });
    expect(t.emulator.getSession(attached.stripe_session_id!)?.client_reference_id).toBe(made.id);
    expect(await purchaseRow(never.id)).toMatchObject({ status: 'failed', stripe_session_id: null, failure_reason: 'checkout_session_not_created' });
  }, 40_000);
});
