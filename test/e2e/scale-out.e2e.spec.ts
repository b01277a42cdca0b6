import { EventEmitter2 } from '@nestjs/event-emitter';
import { EventBus } from '../../src/events/event-bus';
import { Published } from '../../src/events/event-map';
import { TransactionRunner } from '../../src/database/transaction';
import { createScenario, createUser } from '../factories';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { buy } from '../support/purchases';
import { ids, userSockets } from '../support/sockets';
import { startTestApp, TestApp } from '../support/test-app';
import { sleep, waitUntil } from '../support/wait';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUIET_MS = 300;

/**
 * Several instances of the service against one PostgreSQL and one Redis, in one jest process (each
 * startTestApp() builds its own Nest application, HTTP server, socket.io server and relay):
 * - A is a web-only instance (OUTBOX_RELAY_ENABLED=false): whatever reaches its sockets was
 *   relayed and pushed by another instance, through Redis;
 * - B and C relay, polling only every 10 s, so an alert within a second proves the wake-ups
 *   (after a local commit, or PostgreSQL NOTIFY after a commit on another instance).
 */
describe('Scale-out: instances sharing one PostgreSQL and one Redis', () => {
  let database: IsolatedDatabase;
  let a: TestApp;
  let b: TestApp;
  let c: TestApp;
  const { connect, closeAll } = userSockets();

  beforeAll(async () => {
    database = await createIsolatedDatabase('scaleout');
    const shared = { DATABASE_URL: database.url, REDIS_URL, OUTBOX_POLL_INTERVAL_MS: '10000' };
    a = await startTestApp({ ...shared, OUTBOX_RELAY_ENABLED: 'false' });
    b = await startTestApp({ ...shared, OUTBOX_RELAY_ENABLED: 'true' });
    c = await startTestApp({ ...shared, OUTBOX_RELAY_ENABLED: 'true' });
  });
  afterEach(closeAll);
  afterAll(async () => {
    try {
      for (const app of [a, b, c]) await app?.close();
    } finally {
      await database?.drop();
    }
  });

  async function relayedBy(transactionId: string) {
    const rows = await database.db.query<Array<{ type: string; published: boolean }>>(
      `SELECT type, published_at IS NOT NULL AS published FROM outbox_events WHERE payload->>'transactionId' = $1 ORDER BY id`,
      [transactionId],
    );
    return rows;
  }

  it('delivers an alert produced on B (webhook, relay) to the moderator socket on A', async () => {
    const { moderator, profile, client } = await createScenario(database.db);
    const bystander = await createUser(database.db, 'moderator');
    const moderatorOnA = await connect(a, moderator);
    const clientOnA = await connect(a, client);
    const bystanderOnA = await connect(a, bystander);
    const bystanderOnB = await connect(b, bystander);
    // Proof that the alert crosses Redis: nothing is published on A (its relay is off).
    const publishedOnA: unknown[] = [];
    const spy = (event: unknown) => void publishedOnA.push(event);
    a.app.get(EventEmitter2).on('points.purchased', spy);

    const { transactionId, paidAt } = await buy(b, client, profile.id, '1000');

    const [alert] = await moderatorOnA.waitFor(1, { event: 'points.purchased', timeoutMs: 1000 });
    expect(alert.at - paidAt).toBeLessThan(1000);
    expect(alert.payload).toMatchObject({ transactionId, moderatorId: moderator.id, clientId: client.id, points: 1000, amountCents: 1699 });
    const [completed] = await clientOnA.waitFor(1, { event: 'purchase.completed', timeoutMs: 1000 });
    expect(completed.payload).toMatchObject({ transactionId, clientId: client.id });
    // Marked done once its listeners returned, which may be just after the push reached the socket.
    await waitUntil(async () => (await relayedBy(transactionId)).every((row) => row.published));
    expect((await relayedBy(transactionId)).map((row) => row.type).sort()).toEqual(['points.purchased', 'purchase.completed']);

    await sleep(QUIET_MS);
    a.app.get(EventEmitter2).off('points.purchased', spy);
    expect(publishedOnA).toEqual([]);
    expect(moderatorOnA.events()).toHaveLength(1);
    expect(bystanderOnA.events()).toEqual([]);
    expect(bystanderOnB.events()).toEqual([]);
  });

  it('relays at once what a web-only instance committed (NOTIFY wakes the relays) and pushes it to every socket of the user', async () => {
    const { moderator, profile, client } = await createScenario(database.db);
    const onA = await connect(a, moderator);
    const onB = await connect(b, moderator);

    const { transactionId, paidAt } = await buy(a, client, profile.id, '100');

    for (const socket of [onA, onB]) {
      const [alert] = await socket.waitFor(1, { event: 'points.purchased', timeoutMs: 1000 });
      expect(alert.at - paidAt).toBeLessThan(1000);
      expect(alert.payload.transactionId).toBe(transactionId);
    }
    expect(ids(onA.events())).toEqual(ids(onB.events()));
  });

  it('replays on one instance what was stored through another', async () => {
    const { moderator, profile, client } = await createScenario(database.db);
    const first = await connect(b, moderator);
    await buy(b, client, profile.id, '100');
    const [seen] = await first.waitFor(1);
    first.close();

    const missed = await buy(c, client, profile.id, '500');
    await waitUntil(async () => (await relayedBy(missed.transactionId)).every((row) => row.published));

    const again = await connect(a, moderator, seen.payload.id as string);
    const [replayed] = await again.waitFor(1);
    expect(replayed.payload).toMatchObject({ transactionId: missed.transactionId });
    await sleep(QUIET_MS);
    expect(again.events()).toHaveLength(1);
  });

  it("drainOutbox resolves only once the events committed before it are published, also those a drain already running claimed", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const published: string[] = [];
    // A slow listener: the relay woken by the commit's NOTIFY holds the event until the gate opens.
    const slow = async (event: Published<'points.restored'>) => {
      await gate;
      published.push(event.eventId);
    };
    // Only b relays for this test: c's claims would make the race this test needs a matter of luck.
    await c.close();
    const moderator = await createUser(database.db, 'moderator');
    // The relay awaits what a listener returns (emitAsync): that is the point of this one.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    b.app.get(EventEmitter2).on('points.restored', slow);
    try {
      await a.app.get(TransactionRunner).run(() =>
        a.app.get(EventBus).publishAfterCommit('points.restored', {
          transactionId: '1',
          clientId: '1',
          profileId: '1',
          moderatorId: moderator.id,
          points: 1,
          restoredAt: '2026-01-01T00:00:00.000Z',
        }),
      );
      await waitUntil(async () => (await database.db.query(`SELECT 1 FROM outbox_events WHERE claimed_by IS NOT NULL AND published_at IS NULL`)).length > 0, 10_000);

      let drained = false;
      const drain = b.drainOutbox().then(() => (drained = true));
      await sleep(200);
      expect({ drained, published }).toEqual({ drained: false, published: [] });
      release();
      await drain;
      expect(published).toHaveLength(1);
    } finally {
      release();
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      b.app.get(EventEmitter2).off('points.restored', slow);
      c = await startTestApp({ DATABASE_URL: database.url, REDIS_URL, OUTBOX_POLL_INTERVAL_MS: '10000', OUTBOX_RELAY_ENABLED: 'true' });
    }
  });

  it('publishes each event once while two instances relay the same outbox concurrently (FOR UPDATE SKIP LOCKED)', async () => {
    const moderator = await createUser(database.db, 'moderator');
    const socket = await connect(a, moderator);
    const handled = new Map<TestApp, string[]>([
      [b, []],
      [c, []],
    ]);
    const listeners = [...handled].map(([app, seen]) => {
      const listener = (event: Published<'points.restored'>) => void seen.push(event.eventId);
      app.app.get(EventEmitter2).on('points.restored', listener);
      return () => app.app.get(EventEmitter2).off('points.restored', listener);
    });
    const count = 250;

    try {
      // One transaction on the web-only instance: 250 events, one NOTIFY, both relays race for them.
      await a.app.get(TransactionRunner).run(async () => {
        for (let i = 0; i < count; i++) {
          await a.app.get(EventBus).publishAfterCommit('points.restored', {
            transactionId: String(i + 1),
            clientId: '1',
            profileId: '1',
            moderatorId: moderator.id,
            points: 1,
            restoredAt: '2026-01-01T00:00:00.000Z',
          });
        }
      });
      await Promise.all([b.drainOutbox(), c.drainOutbox()]);
      await waitUntil(async () => {
        const [{ n }] = await database.db.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM notifications WHERE user_id = $1`,
          [moderator.id],
        );
        return n === count;
      }, 10_000);
      await socket.waitFor(count, { timeoutMs: 5000 });
      await sleep(QUIET_MS);
    } finally {
      for (const remove of listeners) remove();
    }

    const all = [...handled.values()].flat();
    expect(all).toHaveLength(count);
    expect(new Set(all).size).toBe(count);
    const received = ids(socket.events());
    expect(received).toHaveLength(count);
    expect(new Set(received).size).toBe(count);
    const stored = await database.db.query<Array<{ id: string }>>(`SELECT id FROM notifications WHERE user_id = $1`, [moderator.id]);
    expect(new Set(received)).toEqual(new Set(stored.map((row) => row.id)));
  });
});
