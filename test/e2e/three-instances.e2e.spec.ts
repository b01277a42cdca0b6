import { randomInt } from 'node:crypto';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { createProfile, createUser, TestProfile, TestUser } from '../factories';
import { Balancer } from '../support/balancer';
import { ChildApp, startChildApp } from '../support/child-process';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { NotificationsClient, Received } from '../support/sockets';
import { TEST_WEBHOOK_SECRET, testServiceEnv } from '../support/test-app';
import { sleep, waitUntil } from '../support/wait';
import { report } from '../support/captured-logs';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const INSTANCES = 3;
const MODERATORS = 12;
const CLIENTS = 8;
const PURCHASES = 150;
const CONCURRENCY = 6;
/** The kill comes once this many purchases of the traffic were paid: mid-traffic, whatever the machine's speed. */
const KILL_AFTER = 50;

/**
 * Three instances of the service, each its own process, behind one PostgreSQL and one Redis, as in
 * production: checkouts and Stripe's webhooks go through a balancer (round robin, a refused
 * upstream taken out, a lost request answered 502 for Stripe to deliver again); every instance
 * relays the outbox. Each moderator holds a socket on one of the instances, spread evenly, and
 * reconnects as the reference client does (to whichever instance answers, with the highest
 * notification id it has seen). In the middle of the purchases one instance chosen at random gets
 * SIGKILL: whatever it was doing (a webhook's transaction, a checkout, a claimed outbox batch, its
 * sockets) dies with it.
 */
describe('Three instances, any one killed mid-traffic', () => {
  let database: IsolatedDatabase;
  let emulator: StripeEmulator;
  let balancer: Balancer;
  const apps: ChildApp[] = [];
  const subscribers: Subscriber[] = [];

  beforeAll(async () => {
    database = await createIsolatedDatabase('three');
    // Stripe's schedule, compressed: a delivery that failed is sent again, up to 8 attempts.
    emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET, retry: { attempts: 8, baseDelayMs: 100 } });
    const env = { ...testServiceEnv(database.url, emulator.url), REDIS_URL, RECONCILE_INTERVAL_MS: '0' };
    // Every credit below comes from a webhook: reconciliation (the safety net for lost webhooks) is off.
    apps.push(...(await Promise.all(Array.from({ length: INSTANCES }, () => startChildApp(env, 60_000)))));
    balancer = await Balancer.start(apps.map((app) => app.url));
    emulator.setWebhookUrl(`${balancer.url}/stripe/webhook`);
  }, 90_000);
  afterAll(async () => {
    try {
      for (const subscriber of subscribers) subscriber.close();
      for (const app of apps) await app.kill();
      await balancer?.close();
      await emulator?.stop();
    } finally {
      await database?.drop();
    }
  });

  const alive = (app: ChildApp) => app.process.exitCode === null && app.process.signalCode === null;

  /** POST /profile-points/checkout through the balancer; a 502 (its instance died) is tried again, as a client would. */
  async function checkout(client: TestUser, profile: TestProfile): Promise<{ sessionId: string; transactionId: string }> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${balancer.url}/profile-points/checkout`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ profile_id: profile.id, pack: '100' }),
      });
      const body = (await response.json()) as { sessionId: string; transactionId: string };
      if (response.status === 201) return body;
      if (response.status !== 502 || attempt === 3) throw new Error(`checkout answered ${response.status}: ${JSON.stringify(body)}`);
    }
  }

  /** A checkout, then its payment: the emulator sends the signed webhook to the balancer (and again, if it failed). */
  async function purchase(client: TestUser, profile: TestProfile) {
    const { sessionId, transactionId } = await checkout(client, profile);
    const [first] = await emulator.paySession(sessionId);
    return { transactionId, eventId: first.eventId, moderatorId: profile.moderatorId! };
  }

  it('credits every purchase once, and every moderator gets every alert, after the sockets of the killed instance reconnect', async () => {
    const moderators = await Promise.all(Array.from({ length: MODERATORS }, () => createUser(database.db, 'moderator')));
    const profiles = await Promise.all(moderators.map((moderator, i) => createProfile(database.db, moderator, `Three ${i}`)));
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => createUser(database.db, 'client')));
    for (const [i, moderator] of moderators.entries()) {
      subscribers.push(await Subscriber.open(moderator, apps, i % INSTANCES));
    }

    // One purchase per profile first: every moderator has a notification id to resume from.
    const bought = await Promise.all(profiles.map((profile, i) => purchase(clients[i % CLIENTS], profile)));
    for (const subscriber of subscribers) await subscriber.waitForAlerts(1, 15_000);

    let paid = 0;
    let victim: ChildApp | undefined;
    let killedAfter = 0;
    const kill = async () => {
      victim = apps[randomInt(INSTANCES)];
      killedAfter = paid;
      await victim.kill();
    };
    let killing: Promise<void> | undefined;
    const queue = Array.from({ length: PURCHASES }, (_, i) => i);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          bought.push(await purchase(clients[i % CLIENTS], profiles[randomInt(MODERATORS)]));
          if (++paid === KILL_AFTER) killing = kill();
        }
      }),
    );
    await killing;
    // Every delivery that failed (the instance died under it) has been sent again, until answered or out of attempts.
    await emulator.idle();
    const survivors = apps.filter(alive);
    expect(victim).toBeDefined();
    expect(survivors).toHaveLength(INSTANCES - 1);
    expect(survivors).not.toContain(victim);
    expect(killedAfter).toBe(KILL_AFTER);

    const unanswered = bought.filter(({ eventId }) => !emulator.deliveries().some((delivery) => delivery.eventId === eventId && delivery.status === 200));
    expect(unanswered).toEqual([]);
    const failedDeliveries = emulator.deliveries().filter((delivery) => delivery.status !== 200).length;

    // Exactly once in the database: each paid purchase completed, one credit and one attribution each, no drift.
    const paidIds = bought.map((entry) => entry.transactionId).sort();
    const completed = await database.db.query<Array<{ id: string }>>(`SELECT id::text FROM profile_point_transactions WHERE status = 'completed' ORDER BY id::text`);
    expect(completed.map((row) => row.id)).toEqual(paidIds);
    const transfers = await database.db.query<Array<{ kind: string; transfers: number; purchases: number }>>(
      `SELECT kind, count(*)::int AS transfers, count(DISTINCT transaction_id)::int AS purchases FROM ledger_transfers GROUP BY kind ORDER BY kind`,
    );
    expect(transfers).toEqual([
      { kind: 'attribution', transfers: paidIds.length, purchases: paidIds.length },
      { kind: 'purchase', transfers: paidIds.length, purchases: paidIds.length },
    ]);
    expect(await ledgerDrift(database.db)).toEqual([]);
    const doubled = await database.db.query<Array<{ kind: string; key: string; n: number }>>(
      `SELECT 'outbox' AS kind, type || ':' || (payload->>'transactionId') AS key, count(*)::int AS n FROM outbox_events GROUP BY 2 HAVING count(*) > 1
       UNION ALL
       SELECT 'notification', user_id || ':' || type || ':' || (payload->>'transactionId'), count(*)::int FROM notifications GROUP BY 2 HAVING count(*) > 1`,
    );
    expect(doubled).toEqual([]);

    // The sockets of the killed instance moved to the survivors.
    const moved = subscribers.filter((subscriber) => subscriber.firstApp === victim);
    expect(moved.length).toBe(MODERATORS / INSTANCES);
    for (const subscriber of subscribers) expect(alive(subscriber.app)).toBe(true);
    for (const subscriber of moved) expect(subscriber.reconnections).toBeGreaterThanOrEqual(1);

    // Every moderator gets every alert of their purchases, at least once, by push or by replay.
    const stored = await database.db.query<Array<{ user_id: string; ids: string[] }>>(
      `SELECT user_id::text, array_agg(id::text ORDER BY id) AS ids FROM notifications WHERE type = 'points.purchased' GROUP BY user_id`,
    );
    const storedIds = new Map(stored.map((row) => [row.user_id, row.ids]));
    for (const [i, subscriber] of subscribers.entries()) {
      const expected = bought.filter((entry) => entry.moderatorId === moderators[i].id).map((entry) => entry.transactionId);
      expect(storedIds.get(moderators[i].id)).toHaveLength(expected.length);
      await subscriber.waitForAlerts(expected.length, 30_000).catch(() => undefined);
      expect({ moderator: i, transactions: subscriber.distinct('transactionId').sort() }).toEqual({ moderator: i, transactions: [...expected].sort() });
      expect({ moderator: i, notifications: subscriber.distinct('id').sort() }).toEqual({ moderator: i, notifications: [...storedIds.get(moderators[i].id)!].sort() });
    }
    const received = subscribers.reduce((sum, subscriber) => sum + subscriber.alerts().length, 0);
    const distinct = subscribers.reduce((sum, subscriber) => sum + subscriber.distinct('id').length, 0);

    report(
      `three instances, instance ${apps.indexOf(victim!) + 1} killed after ${killedAfter} of ${PURCHASES} purchases: ` +
        `${paidIds.length} purchases paid, ${completed.length} completed, ${transfers.find((row) => row.kind === 'purchase')!.transfers} credits, drift none; ` +
        `${failedDeliveries} webhook deliveries failed and were sent again; ` +
        `${received} alerts received (${distinct} distinct, ${received - distinct} twice) by ${subscribers.length} moderators, ` +
        `${moved.length} of whose sockets reconnected (${moved.reduce((sum, subscriber) => sum + subscriber.reconnections, 0)} reconnections); ` +
        `webhooks and checkouts answered per instance: ${apps.map((app) => balancer.answered.get(app.url) ?? 0).join('/')}`,
    );
  }, 120_000);
});

/**
 * A moderator's line to the service: one socket at a time; when it drops, a new one to the next
 * instance that accepts it, with `lastNotificationId` the highest id seen so far (what the
 * reference client keeps), so that the server replays what came after it.
 */
class Subscriber {
  private readonly sockets: NotificationsClient[] = [];
  private closed = false;
  reconnections = 0;
  app!: ChildApp;
  firstApp!: ChildApp;

  private constructor(
    private readonly user: TestUser,
    private readonly apps: ChildApp[],
  ) {}

  static async open(user: TestUser, apps: ChildApp[], first: number): Promise<Subscriber> {
    const subscriber = new Subscriber(user, apps);
    await subscriber.connect(first);
    subscriber.firstApp = subscriber.app;
    return subscriber;
  }

  alerts(): Received[] {
    return this.sockets.flatMap((socket) => socket.events('points.purchased'));
  }

  distinct(field: 'id' | 'transactionId'): string[] {
    return [...new Set(this.alerts().map((alert) => alert.payload[field] as string))];
  }

  async waitForAlerts(count: number, timeoutMs: number): Promise<void> {
    await waitUntil(() => Promise.resolve(this.distinct('id').length >= count), timeoutMs);
  }

  close(): void {
    this.closed = true;
    for (const socket of this.sockets) socket.close();
  }

  private lastId(): string | undefined {
    const ids = this.distinct('id').map(BigInt);
    return ids.length === 0 ? undefined : ids.reduce((a, b) => (a > b ? a : b)).toString();
  }

  /** Tries the instances from `start` on, round and round, until one accepts the socket. */
  private async connect(start: number): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      const app = this.apps[(start + attempt) % this.apps.length];
      const last = this.lastId();
      const socket = new NotificationsClient(app.url, { token: this.user.token, ...(last && { lastNotificationId: last }) });
      try {
        await socket.open();
      } catch {
        socket.close();
        if (attempt % this.apps.length === this.apps.length - 1) await sleep(200);
        continue;
      }
      this.sockets.push(socket);
      this.app = app;
      socket.socket.once('disconnect', () => {
        if (this.closed) return;
        this.reconnections += 1;
        void this.connect(start + 1);
      });
      return;
    }
  }
}
