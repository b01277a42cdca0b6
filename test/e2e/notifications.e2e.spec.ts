import { EventBus } from '../../src/events/event-bus';
import { IntegrationEvents } from '../../src/events/event-map';
import { TransactionRunner } from '../../src/database/transaction';
import { NOTIFICATION_TYPES } from '../../src/notifications/notification-events';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { createScenario, createUser, tokenFor, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { pointsPurchasedPayload, purchaseCompletedPayload } from '../support/purchase-alerts';
import { buy } from '../support/purchases';
import { ids, NotificationsClient } from '../support/sockets';
import { startTestApp, TestApp } from '../support/test-app';
import { sleep, waitUntil } from '../support/wait';

/** Long enough for a stray push to arrive, short enough to keep the suite fast. */
const QUIET_MS = 300;

describe('Notifications: stored, listed, pushed over /notifications, replayed', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  const clients: NotificationsClient[] = [];

  beforeAll(async () => {
    database = await createIsolatedDatabase('notifications');
    t = await startTestApp({ DATABASE_URL: database.url, OUTBOX_RELAY_ENABLED: 'true' });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await database?.drop();
    }
  });

  async function connect(auth: Record<string, unknown>, headers?: Record<string, string>) {
    const client = await NotificationsClient.connect(t.url, auth, headers);
    clients.push(client);
    return client;
  }

  async function stored(userId: string) {
    return t.db.query<Array<{ id: string; type: string; event_id: string; payload: Record<string, unknown> }>>(
      `SELECT id, type, event_id, payload FROM notifications WHERE user_id = $1 ORDER BY id`,
      [userId],
    );
  }

  async function publish<K extends keyof IntegrationEvents>(name: K, payload: IntegrationEvents[K]) {
    await t.app.get(TransactionRunner).run(() => t.app.get(EventBus).publishAfterCommit(name, payload));
  }

  describe('live alerts', () => {
    it('pushes points.purchased to the moderator within a second of the webhook, purchase.completed to the client, nothing to anyone else', async () => {
      const { moderator, profile, client } = await createScenario(t.db);
      const otherModerator = await createUser(t.db, 'moderator');
      const otherClient = await createUser(t.db, 'client');
      const moderatorSocket = await connect({ token: moderator.token });
      const clientSocket = await connect({ token: client.token });
      const bystanders = [await connect({ token: otherModerator.token }), await connect({ token: otherClient.token })];

      const { transactionId, paidAt } = await buy(t, client, profile.id, '1000');

      const [alert] = await moderatorSocket.waitFor(1, { event: 'points.purchased', timeoutMs: 1000 });
      expect(alert.at - paidAt).toBeLessThan(1000);
      const [purchase] = await t.db.query<Array<{ credited_at: Date }>>(`SELECT credited_at FROM profile_point_transactions WHERE id = $1`, [
        transactionId,
      ]);
      const known = { transactionId, client, profile, moderator, points: 1000, amountCents: 1699, currency: 'eur', creditedAt: purchase.credited_at };
      const [moderatorRow] = await stored(moderator.id);
      expect(alert.payload).toEqual({ id: moderatorRow.id, ...pointsPurchasedPayload(known) });
      const [completed] = await clientSocket.waitFor(1, { event: 'purchase.completed', timeoutMs: 1000 });
      const [clientRow] = await stored(client.id);
      expect(completed.payload).toEqual({ id: clientRow.id, ...purchaseCompletedPayload(known) });

      await sleep(QUIET_MS);
      expect(moderatorSocket.events()).toHaveLength(1);
      expect(clientSocket.events()).toHaveLength(1);
      for (const bystander of bystanders) expect(bystander.events()).toEqual([]);
    });

    it('stores and pushes a burst of events in their order, even with an event for a user who no longer exists among them', async () => {
      const { moderator, profile, client } = await createScenario(t.db);
      const socket = await connect({ token: moderator.token });
      const base = { clientId: client.id, profileId: profile.id, amountCents: 299, currency: 'eur', creditedAt: '2026-01-02T10:00:00.000Z' };
      await t.app.get(TransactionRunner).run(async () => {
        const bus = t.app.get(EventBus);
        for (let i = 1; i <= 30; i++) {
          await bus.publishAfterCommit('points.purchased', { ...base, transactionId: String(i), moderatorId: moderator.id, points: i });
          if (i === 15) await bus.publishAfterCommit('points.purchased', { ...base, transactionId: '15', moderatorId: '987654321', points: 15 });
        }
      });

      const received = await socket.waitFor(30, { event: 'points.purchased' });
      expect(received.map((entry) => (entry.payload as { points: number }).points)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const ids = received.map((entry) => BigInt((entry.payload as { id: string }).id));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
      const rows = await t.db.query<Array<{ points: number }>>(
        `SELECT (payload->>'points')::int AS points FROM notifications WHERE user_id = $1 AND type = 'points.purchased' ORDER BY id`,
        [moderator.id],
      );
      expect(rows.map((row) => row.points)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      // The relay marks a batch published in its own commit, just after the pushes: wait for it.
      const unpublished = async () =>
        (
          await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL AND payload->>'moderatorId' = $1`, [
            moderator.id,
          ])
        )[0].n;
      await waitUntil(async () => (await unpublished()) === 0);
      expect(await unpublished()).toBe(0);
    });

    it('pushes points.reversed and points.restored to the moderator and payment.failed to the client, each stored with its id', async () => {
      const { moderator, profile, client } = await createScenario(t.db);
      const moderatorSocket = await connect({ token: moderator.token });
      const clientSocket = await connect({ token: client.token });
      const common = { transactionId: '424242', clientId: client.id, profileId: profile.id };

      await publish('points.reversed', {
        ...common,
        moderatorId: moderator.id,
        points: 500,
        reason: 'dispute',
        moderatorBalance: -200,
        alreadySpent: 300,
        unrecovered: 200,
        reversedAt: '2026-01-02T10:00:00.000Z',
      });
      await publish('points.restored', { ...common, moderatorId: moderator.id, points: 500, restoredAt: '2026-01-09T10:00:00.000Z' });
      await publish('payment.failed', {
        ...common,
        points: 100,
        amountCents: 299,
        currency: 'eur',
        reason: 'async_payment_failed',
        failedAt: '2026-01-02T11:00:00.000Z',
      });

      const moderatorEvents = await moderatorSocket.waitFor(2);
      const [failed] = await clientSocket.waitFor(1);
      const moderatorRows = await stored(moderator.id);
      const [clientRow] = await stored(client.id);
      expect(moderatorEvents.map((entry) => entry.event)).toEqual(['points.reversed', 'points.restored']);
      expect(moderatorEvents.map((entry) => entry.payload)).toEqual([
        { id: moderatorRows[0].id, ...common, moderatorId: moderator.id, points: 500, reason: 'dispute', moderatorBalance: -200, alreadySpent: 300, unrecovered: 200, reversedAt: '2026-01-02T10:00:00.000Z' },
        { id: moderatorRows[1].id, ...common, moderatorId: moderator.id, points: 500, restoredAt: '2026-01-09T10:00:00.000Z' },
      ]);
      expect(failed.event).toBe('payment.failed');
      expect(failed.payload).toEqual({
        id: clientRow.id,
        ...common,
        points: 100,
        amountCents: 299,
        currency: 'eur',
        reason: 'async_payment_failed',
        failedAt: '2026-01-02T11:00:00.000Z',
      });
    });

    it('stores and pushes a re-published event once: listeners are idempotent by event id', async () => {
      const { moderator, profile, client } = await createScenario(t.db);
      const moderatorSocket = await connect({ token: moderator.token });
      const { transactionId } = await buy(t, client, profile.id, '100');
      await moderatorSocket.waitFor(1, { event: 'points.purchased' });

      // What a relay that died after publishing but before marking the event done leaves behind.
      const republished = await t.db.query<unknown[]>(
        `UPDATE outbox_events SET published_at = NULL, available_at = now() WHERE payload->>'transactionId' = $1 RETURNING id`,
        [transactionId],
      );
      expect(republished).toHaveLength(2);
      await t.drainOutbox();
      // The polling relay may have taken them first: wait for whoever publishes them.
      await waitUntil(async () => {
        const [{ unpublished }] = await t.db.query<Array<{ unpublished: number }>>(
          `SELECT count(*)::int AS unpublished FROM outbox_events WHERE payload->>'transactionId' = $1 AND published_at IS NULL`,
          [transactionId],
        );
        return unpublished === 0;
      });
      expect(await stored(moderator.id)).toHaveLength(1);
      expect(await stored(client.id)).toHaveLength(1);
      await sleep(QUIET_MS);
      expect(moderatorSocket.events()).toHaveLength(1);
    });

    it('retries a failing event with backoff and publishes it once it can be handled', async () => {
      const moderator = await createUser(t.db, 'moderator');
      const moderatorSocket = await connect({ token: moderator.token });
      const payload = {
        transactionId: '777',
        clientId: '1',
        profileId: '1',
        moderatorId: 'not-a-user-id',
        points: 100,
        amountCents: 299,
        currency: 'eur',
        creditedAt: '2026-01-02T10:00:00.000Z',
      };
      await publish('points.purchased', payload);
      await t.drainOutbox();

      type Row = { id: string; attempts: number; last_error: string | null; published_at: Date | null; delay: number };
      const failing = async () =>
        (
          await t.db.query<Row[]>(
            `SELECT id, attempts, last_error, published_at, extract(epoch FROM available_at - now())::float AS delay
               FROM outbox_events WHERE payload->>'moderatorId' = 'not-a-user-id'`,
          )
        )[0];
      await waitUntil(async () => (await failing()).last_error !== null);
      const failed = await failing();
      expect(failed.published_at).toBeNull();
      expect(failed.attempts).toBe(1);
      expect(failed.last_error).toMatch(/bigint/);
      expect(failed.delay).toBeGreaterThan(0.5);
      expect(failed.delay).toBeLessThanOrEqual(2);

      // The cause is fixed and the backoff has passed: the next relay pass publishes it.
      await t.db.query(
        `UPDATE outbox_events SET payload = jsonb_set(payload, '{moderatorId}', to_jsonb($2::text)), available_at = now() WHERE id = $1`,
        [failed.id, moderator.id],
      );
      await t.drainOutbox();

      const done = async () =>
        (
          await t.db.query<Array<{ attempts: number; published_at: Date | null; last_error: string | null }>>(
            `SELECT attempts, published_at, last_error FROM outbox_events WHERE id = $1`,
            [failed.id],
          )
        )[0];
      await waitUntil(async () => (await done()).published_at !== null);
      expect(await done()).toEqual({ attempts: 2, published_at: expect.any(Date), last_error: null });
      const [alert] = await moderatorSocket.waitFor(1);
      expect(alert.payload).toMatchObject({ transactionId: '777', moderatorId: moderator.id });
    });
  });

  describe('handshake', () => {
    it.each([
      ['no token', () => ({}), /bearer token is required/],
      // The words of HTTP's 401: one verifier answers both.
      ['a malformed token', () => ({ token: 'not-a-jwt' }), /valid bearer token is required/],
      ['a token signed with another secret', (id: string) => ({ token: tokenFor({ id, role: 'moderator' }, { secret: 'another-secret-of-sufficient-length-000000' }) }), /valid bearer token is required/],
      ['an expired token', (id: string) => ({ token: tokenFor({ id, role: 'moderator' }, { expiresIn: -10 }) }), /expired/],
      ['a token for a user that does not exist', () => ({ token: tokenFor({ id: '987654321', role: 'moderator' }) }), /does not exist/],
      ['a token that is not a string', () => ({ token: 42 }), /must be a JWT string/],
    ])('refuses %s with connect_error UNAUTHORIZED', async (_label, auth, message) => {
      const moderator = await createUser(t.db, 'moderator');
      const refusal = await NotificationsClient.refusal(t.url, auth(moderator.id));
      expect(refusal.data).toEqual({ status: 401, error: 'UNAUTHORIZED', message: expect.stringMatching(message) });
      expect(refusal.message).toMatch(message);
    });

    it.each([['-1'], ['12abc'], ['1e3'], [''], [1.5], [{ gt: 0 }]])('refuses auth.lastNotificationId %p with INVALID_LAST_NOTIFICATION_ID', async (lastNotificationId) => {
      const moderator = await createUser(t.db, 'moderator');
      const refusal = await NotificationsClient.refusal(t.url, { token: moderator.token, lastNotificationId });
      expect(refusal.data).toEqual({ status: 400, error: 'INVALID_LAST_NOTIFICATION_ID', message: expect.stringMatching(/digits only/) });
    });

    it('accepts the token in an Authorization header and pushes to that user', async () => {
      const moderator = await createUser(t.db, 'moderator');
      const socket = await connect({}, { Authorization: `Bearer ${moderator.token}` });
      await publish('points.restored', { transactionId: '1', clientId: '1', profileId: '1', moderatorId: moderator.id, points: 5, restoredAt: '2026-01-01T00:00:00.000Z' });
      const [event] = await socket.waitFor(1);
      expect(event.payload).toMatchObject({ moderatorId: moderator.id, points: 5 });
    });

    it('closes the socket when its token expires', async () => {
      const moderator = await createUser(t.db, 'moderator');
      // Token times are whole seconds: a lifetime of 1 s can end a few ms after signing, before the
      // handshake. With 2 s it ends between 1 and 2 s from now, after the socket is open.
      const socket = await connect({ token: tokenFor(moderator, { expiresIn: 2 }) });
      await expect(socket.disconnected(3500)).resolves.toBe('io server disconnect');
      expect((await NotificationsClient.refusal(t.url, { token: tokenFor(moderator, { expiresIn: -1 }) })).data?.error).toBe('UNAUTHORIZED');
    });
  });

  describe('replay with auth.lastNotificationId', () => {
    it('sends exactly the notifications missed while disconnected, in order, before live ones', async () => {
      const { moderator, profile, client } = await createScenario(t.db);
      const first = await connect({ token: moderator.token });
      await buy(t, client, profile.id, '100');
      const [seen] = await first.waitFor(1, { event: 'points.purchased' });
      first.close();

      const missed = [await buy(t, client, profile.id, '500'), await buy(t, client, profile.id, '1000')];
      await waitUntil(async () => (await stored(moderator.id)).length === 3);

      const again = await connect({ token: moderator.token, lastNotificationId: seen.payload.id });
      const replayed = await again.waitFor(2);
      const rows = await stored(moderator.id);
      expect(replayed.map((entry) => entry.event)).toEqual(['points.purchased', 'points.purchased']);
      expect(replayed.map((entry) => entry.payload.transactionId)).toEqual(missed.map((purchase) => purchase.transactionId));
      expect(ids(replayed)).toEqual([rows[1].id, rows[2].id]);
      expect(replayed[1].payload).toEqual({ id: rows[2].id, ...rows[2].payload });

      await buy(t, client, profile.id, '100');
      const all = await again.waitFor(3);
      await sleep(QUIET_MS);
      expect(again.events()).toHaveLength(3);
      expect(BigInt(all[2].payload.id as string)).toBeGreaterThan(BigInt(rows[2].id));
    });

    it('sends nothing old without lastNotificationId, and everything with lastNotificationId "0"', async () => {
      const { moderator, profile, client } = await createScenario(t.db);
      await buy(t, client, profile.id, '100');
      await buy(t, client, profile.id, '500');
      await waitUntil(async () => (await stored(moderator.id)).length === 2);

      const liveOnly = await connect({ token: moderator.token });
      const everything = await connect({ token: moderator.token, lastNotificationId: '0' });
      await everything.waitFor(2);
      await sleep(QUIET_MS);
      expect(liveOnly.events()).toEqual([]);
      expect(ids(everything.events())).toEqual((await stored(moderator.id)).map((row) => row.id));
    });

    // The replay query and a live push race; these two pin each interleaving down by running a
    // purchase to its push from inside the replay, before or after the replay's query.
    async function replayInterleavedWith(when: 'before-query' | 'after-query') {
      const { moderator, profile, client } = await createScenario(t.db);
      await buy(t, client, profile.id, '100');
      await buy(t, client, profile.id, '500');
      await waitUntil(async () => (await stored(moderator.id)).length === 2);
      const [baseline] = await stored(moderator.id);

      const service = t.app.get(NotificationsService);
      const query = service.after.bind(service);
      const purchaseToPush = async () => {
        await buy(t, client, profile.id, '1000');
        await waitUntil(async () => (await stored(moderator.id)).length === 3);
        await sleep(100); // the push follows the insert in the same listener: it reached the socket's delivery
      };
      const spy = jest.spyOn(service, 'after').mockImplementationOnce(async (...args) => {
        if (when === 'before-query') await purchaseToPush();
        const page = await query(...args);
        if (when === 'after-query') await purchaseToPush();
        return page;
      });
      try {
        const socket = await connect({ token: moderator.token, lastNotificationId: baseline.id });
        const expected = (await waitFor3(moderator.id)).slice(1);
        await socket.waitFor(2);
        await sleep(QUIET_MS);
        expect(spy).toHaveBeenCalled();
        expect(ids(socket.events())).toEqual(expected);
      } finally {
        spy.mockRestore();
      }
    }

    async function waitFor3(userId: string) {
      await waitUntil(async () => (await stored(userId)).length === 3);
      return (await stored(userId)).map((row) => row.id);
    }

    it('sends once a notification stored and pushed just before the replay query (it is in the replay too)', async () => {
      await replayInterleavedWith('before-query');
    });

    it('holds back a live push that arrives while the replay runs and sends it after the replay, in order', async () => {
      await replayInterleavedWith('after-query');
    });
  });

  describe('REST', () => {
    async function seed(user: TestUser, count: number) {
      for (let i = 0; i < count; i++) {
        await publish('points.restored', { transactionId: String(i + 1), clientId: '1', profileId: '1', moderatorId: user.id, points: i + 1, restoredAt: '2026-01-01T00:00:00.000Z' });
      }
      await waitUntil(async () => (await stored(user.id)).length === count);
      return (await stored(user.id)).map((row) => row.id);
    }

    it('lists own notifications newest first with a keyset cursor, and only the unread ones on request', async () => {
      const moderator = await createUser(t.db, 'moderator');
      const other = await createUser(t.db, 'moderator');
      const mine = await seed(moderator, 5);
      await seed(other, 1);

      const first = await api(t, moderator.token).get('/notifications?limit=2');
      const second = await api(t, moderator.token).get(`/notifications?limit=2&cursor=${first.body.nextCursor}`);
      const third = await api(t, moderator.token).get(`/notifications?limit=2&cursor=${second.body.nextCursor}`);
      const newestFirst = [...mine].reverse();
      expect(first.status).toBe(200);
      expect(first.body.items.map((row: { id: string }) => row.id)).toEqual(newestFirst.slice(0, 2));
      expect(second.body.items.map((row: { id: string }) => row.id)).toEqual(newestFirst.slice(2, 4));
      expect(third.body.items.map((row: { id: string }) => row.id)).toEqual(newestFirst.slice(4));
      expect(third.body.nextCursor).toBeNull();
      expect(first.body.items[0]).toEqual({
        id: mine[4],
        type: 'points.restored',
        payload: { transactionId: '5', clientId: '1', profileId: '1', moderatorId: moderator.id, points: 5, restoredAt: '2026-01-01T00:00:00.000Z' },
        readAt: null,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });

      const marked = await api(t, moderator.token).post('/notifications/read').send({ ids: [mine[0], mine[2]] });
      expect(marked.status).toBe(200);
      expect(marked.body).toEqual({ updated: 2 });
      const unread = await api(t, moderator.token).get('/notifications?unread=true');
      expect(unread.body.items.map((row: { id: string }) => row.id)).toEqual([mine[4], mine[3], mine[1]]);
      const all = await api(t, moderator.token).get('/notifications?unread=false');
      expect(all.body.items).toHaveLength(5);
      expect(all.body.items.find((row: { id: string }) => row.id === mine[0]).readAt).toEqual(expect.any(String));
    });

    it("marks only the caller's own unread notifications and ignores any other id", async () => {
      const moderator = await createUser(t.db, 'moderator');
      const other = await createUser(t.db, 'moderator');
      const [mine] = await seed(moderator, 1);
      const [theirs] = await seed(other, 1);

      const response = await api(t, moderator.token).post('/notifications/read').send({ ids: [mine, theirs, mine, '999999999999999999'] });
      expect(response.body).toEqual({ updated: 1 });
      expect((await api(t, moderator.token).post('/notifications/read').send({ ids: [mine] })).body).toEqual({ updated: 0 });
      const [row] = await t.db.query<Array<{ read_at: Date | null }>>(`SELECT read_at FROM notifications WHERE id = $1`, [theirs]);
      expect(row.read_at).toBeNull();
    });

    it.each([
      ['no ids', {}, /ids must be an array/],
      ['an empty list', { ids: [] }, /at least one id/],
      ['101 ids', { ids: Array.from({ length: 101 }, (_, i) => String(i + 1)) }, /at most 100/],
      ['an id that is not digits', { ids: ['12', 'abc'] }, /notification ids \(digit strings\)/],
      ['an id sent as a number', { ids: [12] }, /notification ids \(digit strings\)/],
      ['an unexpected field', { ids: ['1'], all: true }, /property all should not exist/],
    ])('refuses POST /notifications/read with %s: 400', async (_label, body, message) => {
      const user = await createUser(t.db, 'client');
      const response = await api(t, user.token).post('/notifications/read').send(body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, error: 'VALIDATION_FAILED', message: expect.stringMatching(message) });
    });

    it.each([
      ['unread=maybe', /unread must be true or false/],
      ['limit=0', /limit must not be less than 1/],
      ['cursor=abc', /cursor must be the nextCursor/],
    ])('refuses GET /notifications?%s with 400', async (query, message) => {
      const user = await createUser(t.db, 'client');
      const response = await api(t, user.token).get(`/notifications?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
    });

    it('refuses a cursor beyond any id with a 400, not a database error', async () => {
      const user = await createUser(t.db, 'client');
      const response = await api(t, user.token).get('/notifications?cursor=9999999999999999999');
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/cursor must be the nextCursor/);
    });
  });

  describe('documentation', () => {
    it('serves the AsyncAPI document publicly, with every notification type, linked from Swagger', async () => {
      const response = await api(t).get('/docs/asyncapi.json');
      expect(response.status).toBe(200);
      expect(response.body.asyncapi).toBe('3.0.0');
      expect(response.body.channels.notifications.address).toBe('/notifications');
      expect(Object.keys(response.body.components.messages).sort()).toEqual([...NOTIFICATION_TYPES].sort());
      expect(response.body.components.schemas.PointsPurchasedNotification.required).toEqual([
        'id',
        'transactionId',
        'clientId',
        'profileId',
        'moderatorId',
        'points',
        'amountCents',
        'currency',
        'creditedAt',
      ]);
      expect(response.body.servers.api.host).toBe(new URL(t.url).host);

      const openapi = (await api(t).get('/docs-json')).body;
      expect(openapi.info.description).toContain('/docs/asyncapi.json');
      expect(openapi.paths['/docs/asyncapi.json'].get.responses['200']).toBeDefined();
      expect(openapi.paths['/docs/asyncapi.json'].get.security).toEqual([]);
      expect(Object.keys(openapi.paths['/notifications'].get.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
      expect(Object.keys(openapi.paths['/notifications/read'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    });
  });
});
