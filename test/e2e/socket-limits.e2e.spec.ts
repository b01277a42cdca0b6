import { randomInt, randomUUID } from 'node:crypto';
import request from 'supertest';
import { TransactionRunner } from '../../src/database/transaction';
import { EventBus } from '../../src/events/event-bus';
import { SOCKET_JOIN_TIMEOUT_MS } from '../../src/notifications/socket-io-adapter';
import { SOCKET_QUOTA_KEY_PREFIX, RedisSocketQuota } from '../../src/notifications/socket-quota';
import { RedisLink } from '../../src/redis/redis-link';
import { createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ids, NotificationsClient } from '../support/sockets';
import { startTestApp, TestApp } from '../support/test-app';
import { signClaims } from '../support/tokens';
import { sleep, waitUntil } from '../support/wait';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUIET_MS = 300;
const SOCKETS_PER_USER = 3;
const HANDSHAKES_PER_MINUTE = 5;
const ISSUER = 'https://id.profile-points.test';
const AUDIENCE = 'profile-points';
const LISTED_ORIGIN = 'http://frontend.test';

const now = () => Math.floor(Date.now() / 1000);

/**
 * A documentation-range IPv6 address of its own: handshake budgets are per client IP, and the
 * Redis counters are shared by every suite and run (they last a minute).
 */
const randomIp = () => `2001:db8:${[0, 0, 0].map(() => randomInt(0x10000).toString(16)).join(':')}::1`;

/**
 * The edge's bounds on the /notifications socket. Three instances on one isolated database:
 * - `a` and `b` share Redis (socket quotas and handshake budgets counted there); `a` trusts one
 *   proxy (TRUST_PROXY=1), so each test gives its handshakes an address of their own through
 *   X-Forwarded-For; `b` trusts none and has a high handshake budget;
 * - `m` runs without Redis (everything counted in memory) and checks tokens' issuer and audience.
 */
describe('Socket limits: per-user cap, handshake budget, capped replay, message size, token expiry, origins', () => {
  let database: IsolatedDatabase;
  let a: TestApp;
  let b: TestApp;
  let m: TestApp;
  const open: NotificationsClient[] = [];

  const base = {
    OUTBOX_RELAY_ENABLED: 'false',
    SOCKET_MAX_CONNECTIONS_PER_USER: String(SOCKETS_PER_USER),
    JWT_ISSUER: '',
    JWT_AUDIENCE: '',
    CORS_ORIGINS: '',
    APP_URL: LISTED_ORIGIN,
  };

  beforeAll(async () => {
    database = await createIsolatedDatabase('socketlimits');
    const DATABASE_URL = database.url;
    // startTestApp writes process.env: every instance sets all it differs in. `m` first: passport's
    // JWT strategy is one per process and the last app registers it, so HTTP on every app checks
    // tokens as the last one does (no issuer); the socket handshake checks them per app.
    m = await startTestApp({
      ...base,
      DATABASE_URL,
      REDIS_URL: '',
      TRUST_PROXY: '1',
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(HANDSHAKES_PER_MINUTE),
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
    a = await startTestApp({ ...base, DATABASE_URL, REDIS_URL, TRUST_PROXY: '1', RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(HANDSHAKES_PER_MINUTE) });
    b = await startTestApp({ ...base, DATABASE_URL, REDIS_URL, TRUST_PROXY: '0', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000', OUTBOX_RELAY_ENABLED: 'true' });
  });
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  afterAll(async () => {
    try {
      for (const app of [a, b, m]) await app?.close();
    } finally {
      await database?.drop();
    }
  });

  /** A valid token of `user` for `app` (`m` wants the issuer and audience). */
  const tokenOn = (app: TestApp, user: TestUser) =>
    app === m ? signClaims({ sub: user.id, role: user.role, iat: now(), exp: now() + 600, iss: ISSUER, aud: AUDIENCE }) : user.token;

  async function connect(app: TestApp, auth: Record<string, unknown>, headers: Record<string, string> = {}) {
    const client = await NotificationsClient.connect(app.url, auth, { 'X-Forwarded-For': randomIp(), ...headers });
    open.push(client);
    return client;
  }

  const refusal = (app: TestApp, auth: Record<string, unknown>, headers: Record<string, string> = {}) =>
    NotificationsClient.refusal(app.url, auth, { 'X-Forwarded-For': randomIp(), ...headers });

  /** A place freed by a closed socket is freed when the server has seen the close: retry briefly. */
  async function connectOnceFreed(app: TestApp, auth: Record<string, unknown>, timeoutMs = 2000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await connect(app, auth);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
  }

  const rateLimited = (message: RegExp) => ({ status: 429, error: 'RATE_LIMITED', message: expect.stringMatching(message) });

  describe('SOCKET_MAX_CONNECTIONS_PER_USER', () => {
    it.each([
      ['in memory, without Redis', () => m],
      ['in Redis', () => a],
    ])('refuses the socket after the limit with 429 RATE_LIMITED, counted per user, and lets one in once one closes (%s)', async (_label, app) => {
      const [user, other] = [await createUser(database.db, 'moderator'), await createUser(database.db, 'moderator')];
      const auth = { token: tokenOn(app(), user) };
      const sockets = [];
      for (let i = 0; i < SOCKETS_PER_USER; i++) sockets.push(await connect(app(), auth));

      const refused = await refusal(app(), auth);
      expect(refused.data).toEqual(rateLimited(/already has 3 sockets open/));
      expect(refused.message).toBe(refused.data?.message);
      await connect(app(), { token: tokenOn(app(), other) });

      sockets[0].close();
      await connectOnceFreed(app(), auth);
      expect((await refusal(app(), auth)).data?.status).toBe(429);
    });

    it('counts a user\'s sockets on every instance sharing Redis together', async () => {
      const user = await createUser(database.db, 'moderator');
      const auth = { token: user.token };
      const onA = [await connect(a, auth), await connect(a, auth)];
      await connect(b, auth);

      expect((await refusal(b, auth)).data).toEqual(rateLimited(/already has 3 sockets open/));
      expect((await refusal(a, auth)).data).toEqual(rateLimited(/already has 3 sockets open/));

      onA[0].close();
      await connectOnceFreed(b, auth);
      expect((await refusal(a, auth)).data?.status).toBe(429);
    });

    it("stops counting a stopped instance's sockets once their lease ends, while a live instance's leases are renewed", async () => {
      const link = new RedisLink(REDIS_URL, { name: 'test' }).start();
      await waitUntil(() => Promise.resolve(link.usable));
      const redis = link.client;
      const userId = `test-${randomUUID()}`;
      // Never started: it renews nothing, like an instance that died with its sockets open.
      const crashed = new RedisSocketQuota(link, { limit: 2, leaseMs: 500 });
      const alive = new RedisSocketQuota(link, { limit: 2, leaseMs: 500, refreshMs: 100 });
      alive.start();
      try {
        expect(await crashed.acquire(userId, 's1')).toBe(true);
        expect(await alive.acquire(userId, 's2')).toBe(true);
        expect(await alive.acquire(userId, 's3')).toBe(false);

        await sleep(900);
        expect(await alive.acquire(userId, 's3')).toBe(true);
        expect(await alive.acquire(userId, 's4')).toBe(false);

        await alive.close();
        expect(await redis.zCard(SOCKET_QUOTA_KEY_PREFIX + userId)).toBe(0);
      } finally {
        await alive.close();
        await redis.del(SOCKET_QUOTA_KEY_PREFIX + userId);
        await link.close();
      }
    });
  });

  describe('handshakes per client IP (RATE_LIMIT_ANONYMOUS_PER_MINUTE)', () => {
    it.each([
      ['in memory, without Redis', () => m],
      ['in Redis', () => a],
    ])('refuses handshakes beyond the budget from one address, bad tokens included, and not from another (%s)', async (_label, app) => {
      const ip = randomIp();
      const [first, second, third] = [
        await createUser(database.db, 'moderator'),
        await createUser(database.db, 'moderator'),
        await createUser(database.db, 'moderator'),
      ];
      for (let i = 0; i < 3; i++) await connect(app(), { token: tokenOn(app(), first) }, { 'X-Forwarded-For': ip });
      for (let i = 0; i < HANDSHAKES_PER_MINUTE - 3; i++) {
        expect((await refusal(app(), { token: 'not-a-jwt' }, { 'X-Forwarded-For': ip })).data?.status).toBe(401);
      }

      const limited = await refusal(app(), { token: tokenOn(app(), second) }, { 'X-Forwarded-For': ip });
      expect(limited.data).toEqual(rateLimited(/Too many connection attempts from this address; retry in \d+ s/));
      // Only the entry the trusted proxy wrote counts: what a client prepends changes nothing.
      expect((await refusal(app(), { token: tokenOn(app(), second) }, { 'X-Forwarded-For': `${randomIp()}, ${ip}` })).data?.status).toBe(429);

      await connect(app(), { token: tokenOn(app(), third) }, { 'X-Forwarded-For': randomIp() });
    });
  });

  describe('connections that never join the namespace', () => {
    const pollingHandshake = '/socket.io/?EIO=4&transport=polling';

    it.each([
      ['in memory, without Redis', () => m],
      ['in Redis', () => a],
    ])('admits twice the handshake budget of new connections per address and minute, then refuses them (%s)', async (_label, app) => {
      const ip = randomIp();
      for (let i = 0; i < 2 * HANDSHAKES_PER_MINUTE; i++) {
        expect((await api(app()).get(pollingHandshake).set('X-Forwarded-For', ip)).status).toBe(200);
      }
      const refused = await api(app()).get(pollingHandshake).set('X-Forwarded-For', ip);
      expect([refused.status, refused.body.message]).toEqual([403, 'Too many connections from this address; retry in a minute']);
      // Another address is not affected.
      expect((await api(app()).get(pollingHandshake).set('X-Forwarded-For', randomIp())).status).toBe(200);
    });

    it('closes a connection that has not joined the namespace within 10 s', async () => {
      const opened = await api(b).get(pollingHandshake);
      const { sid } = JSON.parse(opened.text.slice(1)) as { sid: string };
      await sleep(SOCKET_JOIN_TIMEOUT_MS + 1_500);
      const later = await api(b).get(`${pollingHandshake}&sid=${sid}`);
      // engine.io: the session is gone ("Session ID unknown"), or its last packets end with the close packet (1).
      const answer = later.status === 400 ? later.body : later.text.split('\x1e').at(-1);
      expect(answer).toEqual(later.status === 400 ? { code: 1, message: 'Session ID unknown' } : '1');
    }, 20_000);
  });

  describe('replay', () => {
    it('sends at most the newest 500 missed notifications, in id order, then live ones; GET /notifications has the older ones', async () => {
      const user = await createUser(database.db, 'moderator');
      await database.db.query(
        `INSERT INTO notifications (user_id, type, payload, event_id)
         SELECT $1::bigint, 'points.restored',
                jsonb_build_object('transactionId', g::text, 'clientId', '1', 'profileId', '1', 'moderatorId', $2::text,
                                   'points', g, 'restoredAt', '2026-01-01T00:00:00.000Z'),
                gen_random_uuid()
           FROM generate_series(1, 620) AS g`,
        [user.id, user.id],
      );
      const stored = (await database.db.query<Array<{ id: string }>>(`SELECT id FROM notifications WHERE user_id = $1 ORDER BY id`, [user.id])).map(
        (row) => row.id,
      );

      const socket = await connect(b, { token: user.token, lastNotificationId: stored[4] });
      await socket.waitFor(500, { timeoutMs: 5000 });
      await sleep(QUIET_MS);
      expect(ids(socket.events())).toEqual(stored.slice(-500));

      await b.app.get(TransactionRunner).run(() =>
        b.app.get(EventBus).publishAfterCommit('points.restored', {
          transactionId: 'live',
          clientId: '1',
          profileId: '1',
          moderatorId: user.id,
          points: 1,
          restoredAt: '2026-01-02T00:00:00.000Z',
        }),
      );
      const [live] = (await socket.waitFor(501, { timeoutMs: 3000 })).slice(500);
      expect(live.payload.transactionId).toBe('live');

      // What the replay left out, as the AsyncAPI document says to read it.
      const older: string[] = [];
      for (let cursor: string | null = stored[stored.length - 500]; cursor !== null; ) {
        const page = await api(b, user.token).get(`/notifications?limit=100&cursor=${cursor}`);
        expect(page.status).toBe(200);
        const items = (page.body.items as Array<{ id: string }>).map((item) => item.id);
        older.push(...items.filter((id) => BigInt(id) > BigInt(stored[4])));
        cursor = items.some((id) => BigInt(id) <= BigInt(stored[4])) ? null : (page.body.nextCursor as string | null);
      }
      expect(older.reverse()).toEqual(stored.slice(5, -500));
    });
  });

  describe('inbound messages', () => {
    it('closes a socket that sends a message over 4 KB (the gateway has no inbound events)', async () => {
      const user = await createUser(database.db, 'moderator');
      const socket = await connect(b, { token: user.token });
      socket.socket.emit('anything', 'x'.repeat(1000));
      await sleep(QUIET_MS);
      expect(socket.socket.connected).toBe(true);

      socket.socket.emit('anything', 'x'.repeat(5000));
      await expect(socket.disconnected(2000)).resolves.toBe('transport close');
    });
  });

  describe('tokens', () => {
    it('closes the socket when its token expires', async () => {
      const user = await createUser(database.db, 'moderator');
      const socket = await connect(b, { token: signClaims({ sub: user.id, role: user.role, iat: now(), exp: now() + 2 }) });
      const connectedAt = Date.now();
      await expect(socket.disconnected(3500)).resolves.toBe('io server disconnect');
      expect(Date.now() - connectedAt).toBeGreaterThan(500);
    });

    const valid = (user: TestUser) => ({ sub: user.id, role: user.role, iat: now(), exp: now() + 600, iss: ISSUER, aud: AUDIENCE });

    it('accepts a token that HTTP accepts: exp within the cap, the issuer and the audience', async () => {
      const user = await createUser(database.db, 'moderator');
      await connect(m, { token: signClaims(valid(user)) });
    });

    it.each([
      ['no exp', (user: TestUser) => ({ ...valid(user), exp: undefined }), /no expiry/],
      ['exp: 1e300', (user: TestUser) => ({ ...valid(user), exp: 1e300 }), /lives longer/],
      ['a lifetime of 30 days', (user: TestUser) => ({ ...valid(user), exp: now() + 30 * 86_400 }), /lives longer/],
      ['iat ten years ago', (user: TestUser) => ({ ...valid(user), iat: now() - 10 * 365 * 86_400 }), /lives longer/],
      ['iat an hour in the future', (user: TestUser) => ({ ...valid(user), iat: now() + 3600, exp: now() + 7200 }), /issued in the future/],
      // In HTTP's words: one verifier answers both.
      ['another issuer', (user: TestUser) => ({ ...valid(user), iss: 'https://evil.example' }), /iss claim is not accepted/],
      ['no issuer', (user: TestUser) => ({ ...valid(user), iss: undefined }), /iss claim is not accepted/],
      ['another audience', (user: TestUser) => ({ ...valid(user), aud: 'another-service' }), /aud claim is not accepted/],
    ])('refuses a handshake whose token has %s, as HTTP does: 401', async (_label, claims, message) => {
      const user = await createUser(database.db, 'moderator');
      const refused = await refusal(m, { token: signClaims(claims(user)) });
      expect(refused.data).toEqual({ status: 401, error: 'UNAUTHORIZED', message: expect.stringMatching(message) });
    });
  });

  describe('origins (CORS_ORIGINS, else the origin of APP_URL)', () => {
    const pollingHandshake = '/socket.io/?EIO=4&transport=polling';

    it('refuses a websocket handshake from an unlisted Origin and accepts one from a listed Origin or without Origin', async () => {
      const user = await createUser(database.db, 'moderator');
      const refused = await refusal(b, { token: user.token }, { Origin: 'http://evil.test' });
      expect(refused.data).toBeUndefined();
      expect(refused.message).toMatch(/websocket error/);

      await connect(b, { token: user.token }, { Origin: LISTED_ORIGIN });
      await connect(b, { token: user.token });
    });

    it('refuses a polling handshake from an unlisted Origin (403, no CORS headers) and answers a listed one with its CORS headers', async () => {
      const unlisted = await api(b).get(pollingHandshake).set('Origin', 'http://evil.test');
      expect(unlisted.status).toBe(403);
      expect(unlisted.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await request(b.url).options(pollingHandshake).set('Origin', 'http://evil.test').set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

      const listed = await api(b).get(pollingHandshake).set('Origin', LISTED_ORIGIN);
      expect(listed.status).toBe(200);
      expect(listed.text).toMatch(/^0\{"sid":/);
      expect(listed.headers['access-control-allow-origin']).toBe(LISTED_ORIGIN);
      expect(listed.headers['access-control-allow-credentials']).toBeUndefined();

      // A page served by the service itself (the reference client) calls from the service's own origin.
      const sameOrigin = await api(b).get(pollingHandshake).set('Origin', b.url);
      expect(sameOrigin.status).toBe(200);

      const withoutOrigin = await api(b).get(pollingHandshake);
      expect(withoutOrigin.status).toBe(200);
    });
  });

  describe('AsyncAPI document', () => {
    const proxied = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'api.example.com' };

    it('advertises wss:// and the public host behind a trusted proxy that terminated HTTPS', async () => {
      const response = await api(a).get('/docs/asyncapi.json').set(proxied).set('X-Forwarded-For', randomIp());
      expect(response.status).toBe(200);
      expect(response.body.servers.api).toMatchObject({ protocol: 'wss', host: 'api.example.com' });
      expect(response.body.info.externalDocs.url).toBe('https://api.example.com/docs');
      expect(response.body.info.description).toContain(`at most ${SOCKETS_PER_USER} sockets open per user`);
    });

    it('ignores forwarded headers when no proxy is trusted', async () => {
      const response = await api(b).get('/docs/asyncapi.json').set(proxied);
      expect(response.body.servers.api).toMatchObject({ protocol: 'ws', host: new URL(b.url).host });
    });

    it('never copies a Host that is not a plain host into the document, and keeps it out of shared caches', async () => {
      const response = await api(b).get('/docs/asyncapi.json').set('Host', 'evil.example"><script>');
      expect(response.status).toBe(200);
      expect(response.body.servers.api.host).toBe(new URL(LISTED_ORIGIN).host);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.vary).toMatch(/Host/);
    });
  });
});
