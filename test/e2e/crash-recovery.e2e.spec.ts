import { Client } from 'pg';
import Stripe from 'stripe';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { CLAIM_LOCK_NAMESPACE, claimStatement } from '../../src/events/outbox-relay';
import { createStripeClient } from '../../src/payments/stripe.client';
import { createScenario, createUser } from '../factories';
import { ChildApp, startChildApp } from '../support/child-process';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { buy, checkout } from '../support/purchases';
import { ids, userSockets } from '../support/sockets';
import { TEST_WEBHOOK_SECRET, testServiceEnv } from '../support/test-app';
import { sleep, waitUntil } from '../support/wait';
import { report } from '../support/captured-logs';

const QUIET_MS = 500;
/** How long a killed relay's events may wait for the next instance (seconds, not a lease). */
const RECOVERY_LIMIT_MS = 5000;

/**
 * The service runs as a child process so that it can really be killed. In the first test it runs
 * with its relay off (OUTBOX_RELAY_ENABLED=false), which pins "killed after the commit, before the
 * relay" down instead of hoping to hit a millisecond window: the webhooks commit the purchases and
 * their events, then the process gets SIGKILL. The second one, relay on, must deliver every alert
 * once. In the second test the process is killed while its relay holds claimed events.
 */
describe('Crash recovery: SIGKILL after commit, before or while relaying', () => {
  let database: IsolatedDatabase;
  let emulator: StripeEmulator;
  let stripe: Stripe;
  const children: ChildApp[] = [];
  const { connect, closeAll } = userSockets();

  beforeAll(async () => {
    database = await createIsolatedDatabase('crash');
    emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET, retry: { attempts: 1, baseDelayMs: 50 } });
    stripe = createStripeClient('sk_test_emulator', emulator.url);
  });
  afterAll(async () => {
    try {
      closeAll();
      for (const child of children) await child.kill();
      await emulator?.stop();
    } finally {
      await database?.drop();
    }
  });

  async function start(relay: boolean): Promise<ChildApp> {
    const child = await startChildApp({ ...testServiceEnv(database.url, emulator.url), OUTBOX_RELAY_ENABLED: String(relay) });
    children.push(child);
    emulator.setWebhookUrl(`${child.url}/stripe/webhook`);
    return child;
  }

  async function pay(sessionId: string): Promise<void> {
    const [delivery] = await emulator.paySession(sessionId);
    expect(delivery.status).toBe(200); // answered after the commit
  }

  /** `child` with the emulator that sends its webhooks (start() points them at the last one started). */
  const paying = (child: ChildApp) => ({ url: child.url, emulator, stripe });

  async function outbox(transactionIds: string[]) {
    return database.db.query<Array<{ type: string; transaction_id: string; published: boolean }>>(
      `SELECT type, payload->>'transactionId' AS transaction_id, published_at IS NOT NULL AS published
         FROM outbox_events WHERE payload->>'transactionId' = ANY($1) ORDER BY id`,
      [transactionIds],
    );
  }

  async function notifications(userId: string) {
    return database.db.query<Array<{ id: string; type: string; transaction_id: string }>>(
      `SELECT id, type, payload->>'transactionId' AS transaction_id FROM notifications WHERE user_id = $1 ORDER BY id`,
      [userId],
    );
  }

  it('delivers the alerts of purchases committed just before the kill exactly once after the restart', async () => {
    const { moderator, profile, client } = await createScenario(database.db);

    const first = await start(false);
    const online = await connect(first, moderator);
    const bought = [await buy(paying(first), client, profile.id, '100'), await buy(paying(first), client, profile.id, '500')];
    const purchases = bought.map((purchase) => purchase.transactionId);
    await first.kill();
    expect(first.process.signalCode).toBe('SIGKILL');

    // Committed with the purchases, never relayed.
    const pending = await outbox(purchases);
    expect(pending).toHaveLength(4);
    expect(pending.every((row) => !row.published)).toBe(true);
    expect(await notifications(moderator.id)).toEqual([]);
    expect(online.events()).toEqual([]);
    const [{ status }] = await database.db.query<Array<{ status: string }>>(
      `SELECT string_agg(DISTINCT status, ',') AS status FROM profile_point_transactions WHERE id = ANY($1)`,
      [purchases],
    );
    expect(status).toBe('completed');

    // The moderator and the client come back (they have seen nothing yet: lastNotificationId "0").
    const second = await start(true);
    const moderatorSocket = await connect(second, moderator, '0');
    const clientSocket = await connect(second, client, '0');

    const alerts = await moderatorSocket.waitFor(2, { event: 'points.purchased', timeoutMs: 5000 });
    const completions = await clientSocket.waitFor(2, { event: 'purchase.completed', timeoutMs: 5000 });
    await sleep(QUIET_MS);

    expect(moderatorSocket.events()).toHaveLength(2);
    expect(clientSocket.events()).toHaveLength(2);
    expect(alerts.map((alert) => alert.payload.transactionId)).toEqual(purchases);
    expect(completions.map((completion) => completion.payload.transactionId)).toEqual(purchases);
    expect(alerts.map((alert) => alert.payload)).toEqual([
      expect.objectContaining({ moderatorId: moderator.id, points: 100, amountCents: 299 }),
      expect.objectContaining({ moderatorId: moderator.id, points: 500, amountCents: 999 }),
    ]);
    const stored = await notifications(moderator.id);
    expect(stored.map((row) => row.transaction_id)).toEqual(purchases);
    expect(ids(alerts)).toEqual(stored.map((row) => row.id));
    expect(await notifications(client.id)).toHaveLength(2);
    await waitUntil(async () => (await outbox(purchases)).every((row) => row.published));
  });

  it('publishes the events a killed relay had claimed within seconds of the next instance running, each alert once', async () => {
    // Only the instances of this test run (and relay) from here on.
    for (const child of children) await child.stop();
    const { moderator, profile } = await createScenario(database.db);
    const clients = await Promise.all(Array.from({ length: 4 }, () => createUser(database.db, 'client')));
    const first = await start(true);
    const before = await connect(first, moderator);
    const sessions = [];
    for (let i = 0; i < 24; i++) sessions.push(await checkout(first, clients[i % clients.length], profile.id, '100'));
    const purchases = sessions.map((session) => session.transactionId);

    // Each statement that stores notifications takes a second, so the relay is caught holding claimed
    // events: the burst commits, the relay claims what is due and is busy publishing it. Once the
    // process is dead, the statements it had sent fail instead of storing, as they would with
    // client_connection_check_interval: its claimed events are then neither stored nor pushed.
    await database.db.query(`CREATE TABLE test_relay_killed ()`);
    await database.db.query(`CREATE FUNCTION test_slow_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_sleep(1);
        IF EXISTS (SELECT FROM test_relay_killed) THEN RAISE EXCEPTION 'sent by a killed process'; END IF;
        RETURN NULL;
      END $$`);
    await database.db.query(`CREATE TRIGGER tr_test_slow BEFORE INSERT ON notifications FOR EACH STATEMENT EXECUTE FUNCTION test_slow_notifications()`);
    await Promise.all(sessions.map((session) => pay(session.sessionId)));
    await waitUntil(async () => (await claimedAlerts(purchases)) >= purchases.length / 2, 5000);
    await first.kill();
    expect(first.process.signalCode).toBe('SIGKILL');
    await database.db.query(`INSERT INTO test_relay_killed DEFAULT VALUES`);
    const claimed = await claimedAlerts(purchases);
    expect(claimed).toBeGreaterThan(0);
    await waitUntil(async () => {
      const [{ active }] = await database.db.query<Array<{ active: number }>>(
        `SELECT count(*)::int AS active FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`,
      );
      return active === 0;
    }, 5000);
    await database.db.query(`DROP TRIGGER tr_test_slow ON notifications`);
    await database.db.query(`DROP FUNCTION test_slow_notifications()`);
    await database.db.query(`DROP TABLE test_relay_killed`);
    // The alerts of the claimed events are neither stored nor pushed yet.
    expect((await notifications(moderator.id)).length).toBeLessThanOrEqual(purchases.length - claimed);
    const seenBefore = before.events('points.purchased');
    const lastSeen = seenBefore.length > 0 ? ids(seenBefore)[seenBefore.length - 1] : '0';

    const second = await start(true);
    const restartedAt = Date.now();
    const after = await connect(second, moderator, lastSeen);
    const missing = purchases.length - seenBefore.length;
    await after.waitFor(missing, { event: 'points.purchased', timeoutMs: 15_000 });
    await waitUntil(async () => (await notifications(moderator.id)).length >= purchases.length, 15_000);
    const recoveredMs = Date.now() - restartedAt;
    report(`outbox recovery: last alert ${(recoveredMs / 1000).toFixed(1)} s after restart (${claimed} alerts were claimed by the killed relay)`);
    expect(recoveredMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);

    // Exactly once to the moderator, across the dead instance's socket and the new one's.
    await sleep(QUIET_MS);
    const alerts = [...seenBefore, ...after.events('points.purchased')];
    expect(alerts.map((alert) => alert.payload.transactionId).sort()).toEqual([...purchases].sort());
    const stored = await notifications(moderator.id);
    expect(stored.filter((row) => row.type === 'points.purchased').map((row) => row.transaction_id).sort()).toEqual([...purchases].sort());
    expect(new Set(ids(alerts)).size).toBe(alerts.length);
    await waitUntil(async () => (await outbox(purchases)).every((row) => row.published));
    for (const client of clients) expect(await notifications(client.id)).toHaveLength(purchases.length / clients.length);
  });

  /** Moderator alerts of these purchases that a relay claimed and did not publish (yet). */
  async function claimedAlerts(transactionIds: string[]): Promise<number> {
    const [{ count }] = await database.db.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM outbox_events
        WHERE type = 'points.purchased' AND payload->>'transactionId' = ANY($1) AND attempts > 0 AND published_at IS NULL`,
      [transactionIds],
    );
    return count;
  }
});

/**
 * The claim rule itself, with sessions standing in for relays (no instance runs on this database):
 * a live relay's claims stand against every other relay, a dead one's are free at once.
 */
describe('Outbox claims: tied to the claiming relay session', () => {
  let database: IsolatedDatabase;
  const sessions: Client[] = [];

  beforeAll(async () => {
    database = await createIsolatedDatabase('claims');
  });
  afterAll(async () => {
    try {
      for (const session of sessions) await session.end().catch(() => undefined);
    } finally {
      await database?.drop();
    }
  });

  /** A relay's session: a connection holding the advisory lock of `token`. */
  async function relaySession(token: number): Promise<Client> {
    const session = new Client({ connectionString: database.url });
    await session.connect();
    sessions.push(session);
    await session.query(`SELECT pg_advisory_lock($1, $2)`, [CLAIM_LOCK_NAMESPACE, token]);
    return session;
  }

  async function claim(token: number): Promise<string[]> {
    const [rows] = await database.db.query<[Array<{ id: string }>, number]>(...claimStatement(token));
    return rows.map((row) => row.id).sort();
  }

  it('keeps the claims of a live relay from the others, and frees those of a dead one at once', async () => {
    const events = await database.db.query<Array<{ id: string }>>(
      `INSERT INTO outbox_events (type, payload) SELECT 'test.claimed', '{}' FROM generate_series(1, 3) RETURNING id`,
    );
    const ids = events.map((event) => event.id).sort();
    const first = await relaySession(101);
    await relaySession(202);

    expect(await claim(101)).toEqual(ids);
    expect(await claim(202)).toEqual([]);
    expect(await claim(101)).toEqual([]);

    // The first relay dies: its session ends, and with it the lock (released as the backend exits).
    await first.end();
    await waitUntil(async () => (await claim(202)).length === ids.length, 2000);
    expect(await owners(ids)).toEqual([202, 202, 202]);

    // An event waiting for its retry is not due, whoever claimed it last; one claimed too long ago is.
    await database.db.query(`UPDATE outbox_events SET claimed_by = NULL, available_at = now() + interval '1 minute' WHERE id = $1`, [ids[0]]);
    await database.db.query(`UPDATE outbox_events SET available_at = now() - interval '1 second' WHERE id = $1`, [ids[1]]);
    expect(await claim(202)).toEqual([ids[1]]);
  });

  async function owners(ids: string[]): Promise<Array<number | null>> {
    const rows = await database.db.query<Array<{ claimed_by: number | null }>>(`SELECT claimed_by FROM outbox_events WHERE id = ANY($1) ORDER BY id`, [ids]);
    return rows.map((row) => row.claimed_by);
  }
});
