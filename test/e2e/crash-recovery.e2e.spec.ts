import { StripeEmulator } from '../../src/dev/stripe-emulator';
import { createScenario, TestUser } from '../factories';
import { ChildApp, startChildApp } from '../support/child-process';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ids, NotificationsClient } from '../support/sockets';
import { TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from '../support/test-app';
import { sleep, waitUntil } from '../support/wait';

const QUIET_MS = 500;

/**
 * The service runs as a child process so that it can really be killed. The first one runs with its
 * relay off (OUTBOX_RELAY_ENABLED=false), which pins "killed after the commit, before the relay"
 * down instead of hoping to hit a millisecond window: the webhooks commit the purchases and their
 * events, then the process gets SIGKILL. The second one, relay on, must deliver every alert once.
 */
describe('Crash recovery: SIGKILL after commit, before relay', () => {
  let database: IsolatedDatabase;
  let emulator: StripeEmulator;
  const children: ChildApp[] = [];
  const sockets: NotificationsClient[] = [];

  beforeAll(async () => {
    database = await createIsolatedDatabase('crash');
    emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET, retry: { attempts: 1, baseDelayMs: 50 } });
  });
  afterAll(async () => {
    try {
      for (const socket of sockets) socket.close();
      for (const child of children) await child.kill();
      await emulator?.stop();
    } finally {
      await database?.drop();
    }
  });

  async function start(relay: boolean): Promise<ChildApp> {
    const child = await startChildApp({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DB_MIGRATIONS_RUN: 'true',
      JWT_SECRET: TEST_JWT_SECRET,
      STRIPE_SECRET_KEY: 'sk_test_emulator',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_emulator',
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_BASE_URL: emulator.url,
      APP_URL: 'http://frontend.test',
      OUTBOX_RELAY_ENABLED: String(relay),
      OUTBOX_POLL_INTERVAL_MS: '250',
    });
    children.push(child);
    emulator.setWebhookUrl(`${child.url}/stripe/webhook`);
    return child;
  }

  async function connect(child: ChildApp, user: TestUser, lastNotificationId?: string) {
    const socket = await NotificationsClient.connect(child.url, { token: user.token, ...(lastNotificationId && { lastNotificationId }) });
    sockets.push(socket);
    return socket;
  }

  async function buy(child: ChildApp, client: TestUser, profileId: string, pack: string): Promise<string> {
    const response = await fetch(`${child.url}/profile-points/checkout`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile_id: profileId, pack }),
    });
    expect(response.status).toBe(201);
    const { sessionId, transactionId } = (await response.json()) as { sessionId: string; transactionId: string };
    const [delivery] = await emulator.paySession(sessionId);
    expect(delivery.status).toBe(200); // answered after the commit
    return transactionId;
  }

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
    const purchases = [await buy(first, client, profile.id, '100'), await buy(first, client, profile.id, '500')];
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
});
