import { api } from '../support/http';
import { hs256WithPublicKey, JwksServer, PlatformKey, platformId, platformKey, platformToken, TokenOptions, unsignedToken } from '../support/jwks';
import { NotificationsClient } from '../support/sockets';
import { startTestApp, TestApp } from '../support/test-app';
import { signClaims } from '../support/tokens';

const ISSUER = 'https://platform.example';
const AUDIENCE = 'profile-points';
const INTEGRATION_TOKEN = 'platform-tokens-suite-integration-token-8d2f61c0b9e4';

/**
 * The service configured for a platform whose identity provider signs with its own keys: the user id
 * in a claim of its own, the roles in a nested array, under the platform's names.
 */
const PLATFORM_ENV = {
  JWT_ISSUER: ISSUER,
  JWT_AUDIENCE: AUDIENCE,
  JWT_USER_ID_CLAIM: 'platform_user_id',
  JWT_ROLE_CLAIM: 'app_metadata.roles',
  JWT_ROLE_MAP: 'customer:client,staff:moderator,owner:admin',
  INTEGRATION_TOKEN,
};

interface Answer {
  status: number;
  error?: string;
  message?: string;
}

describe('Platform tokens (JWT_JWKS_URL): one verification for REST and sockets, users made just in time', () => {
  let key: PlatformKey;
  let jwks: JwksServer;
  let t: TestApp;

  beforeAll(async () => {
    key = await platformKey('RS256');
    jwks = await JwksServer.start([key]);
    t = await startTestApp({ ...PLATFORM_ENV, JWT_JWKS_URL: jwks.url });
  });
  afterAll(async () => {
    await t.close();
    await jwks.stop();
  });

  const claimsOf = (id: string, roles: unknown = ['viewer', 'customer']) => ({ sub: `auth0|${id}`, platform_user_id: id, app_metadata: { roles } });
  const tokenOf = (id: string, roles?: unknown, options: TokenOptions = {}, signer: PlatformKey = key) =>
    platformToken(signer, claimsOf(id, roles), { issuer: ISSUER, audience: AUDIENCE, ...options });
  const userRow = async (id: string) =>
    (await t.db.query<Array<{ role: string; name: string | null; email: string | null }>>(`SELECT role, name, email FROM users WHERE id = $1`, [id]))[0];

  /** The same token on REST (GET /notifications, open to every role) and in a socket handshake. */
  async function bothSides(token: string): Promise<{ rest: Answer; socket: Answer }> {
    const response = await api(t, token).get('/notifications');
    const rest: Answer = response.status === 200 ? { status: 200 } : { status: response.status, error: response.body.error, message: response.body.message };
    let socket: Answer;
    try {
      const client = await NotificationsClient.connect(t.url, { token });
      client.close();
      socket = { status: 200 };
    } catch (error) {
      const data = (error as { data?: Answer }).data;
      socket = { status: data?.status ?? 0, error: data?.error, message: data?.message };
    }
    return { rest, socket };
  }

  describe('just-in-time users', () => {
    it("creates the user of a new platform id at its first request, with the first role of its list that maps, and its name and e-mail", async () => {
      const id = platformId();
      const token = await platformToken(key, { ...claimsOf(id), name: 'Camille', email: `camille-${id}@example.com` }, { issuer: ISSUER, audience: AUDIENCE });
      expect(await userRow(id)).toBeUndefined();
      expect((await api(t, token).get('/profile-points/transactions/client')).status).toBe(200);
      expect(await userRow(id)).toEqual({ role: 'client', name: 'Camille', email: `camille-${id}@example.com` });
    });

    it('creates a moderator from a role under its platform name, without name or e-mail (both optional)', async () => {
      const id = platformId();
      expect((await api(t, await tokenOf(id, ['staff'])).get('/moderators/me/points')).status).toBe(200);
      expect(await userRow(id)).toEqual({ role: 'moderator', name: null, email: null });
    });

    it.each([
      ['claims the admin role', ['owner']],
      ['has no role claim', undefined],
      ['claims only roles that map to none', ['viewer', 'guest']],
      ["names the service's own role instead of the platform's (a map is set)", ['client']],
      ['holds a role that is not text', [{ role: 'customer' }]],
    ])('creates nobody from a token that %s: 401', async (_, roles) => {
      const id = platformId();
      const claims = roles === undefined ? { platform_user_id: id } : claimsOf(id, roles);
      const token = await platformToken(key, claims, { issuer: ISSUER, audience: AUDIENCE });
      const { rest, socket } = await bothSides(token);
      expect(rest).toEqual({ status: 401, error: 'UNAUTHORIZED', message: expect.stringMatching(/does not exist, and (its role claim names no role|a token cannot make an admin)/) });
      expect(socket).toEqual(rest);
      expect(await userRow(id)).toBeUndefined();
    });

    it('keeps the stored role: a token claiming more changes nothing', async () => {
      const id = platformId();
      expect((await api(t, await tokenOf(id, ['customer'])).get('/profile-points/transactions/client')).status).toBe(200);
      const asStaff = await tokenOf(id, ['staff', 'owner']);
      expect((await api(t, asStaff).get('/moderators/me/points')).status).toBe(403);
      expect((await api(t, asStaff).get('/profile-points/transactions/client')).status).toBe(200);
      expect((await userRow(id)).role).toBe('client');
    });

    it('applies a role the platform changes through PUT /integration/users/:id, whatever the token says', async () => {
      const id = platformId();
      const token = await tokenOf(id, ['customer']);
      expect((await api(t, token).get('/moderators/me/points')).status).toBe(403);
      await api(t, INTEGRATION_TOKEN).put(`/integration/users/${id}`).send({ role: 'moderator' }).expect(200);
      expect((await api(t, token).get('/moderators/me/points')).status).toBe(200);
    });

    it('creates nobody from an HS256 token (JWT_SECRET): its user must exist', async () => {
      const id = platformId();
      const now = Math.floor(Date.now() / 1000);
      const token = signClaims({ sub: id, role: 'client', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600 });
      const response = await api(t, token).get('/notifications');
      expect({ status: response.status, message: response.body.message }).toEqual({ status: 401, message: 'The token names a user that does not exist' });
      expect(await userRow(id)).toBeUndefined();
    });

    it("never creates again a user the platform erased: the erased user's tokens are refused on both", async () => {
      const id = platformId();
      const token = await tokenOf(id, ['customer']);
      expect((await api(t, token).get('/notifications')).status).toBe(200);
      await api(t, INTEGRATION_TOKEN).delete(`/integration/users/${id}`).expect(204);
      const { rest, socket } = await bothSides(await tokenOf(id, ['customer']));
      expect(rest).toEqual({ status: 401, error: 'UNAUTHORIZED', message: 'The token names a user who was erased' });
      expect(socket).toEqual(rest);
      expect(await t.db.query(`SELECT role, name, email, erased_at IS NOT NULL AS erased FROM users WHERE id = $1`, [id])).toEqual([
        { role: 'client', name: null, email: null, erased: true },
      ]);
    });

    it('creates one user when its first requests arrive together', async () => {
      const id = platformId();
      const token = await tokenOf(id);
      const statuses = await Promise.all(Array.from({ length: 8 }, () => api(t, token).get('/notifications').then((response) => response.status)));
      expect(statuses).toEqual(Array(8).fill(200));
      expect(await t.db.query(`SELECT count(*)::int AS n FROM users WHERE id = $1`, [id])).toEqual([{ n: 1 }]);
    });
  });

  describe('REST and the socket handshake give the same answer', () => {
    const id = platformId();
    const refusals: Array<[string, () => Promise<string>]> = [
      ['an expired token', () => tokenOf(id, undefined, { expiresIn: -30 })],
      ['an HS256 token keyed with the public key', () => hs256WithPublicKey(key, claimsOf(id), { issuer: ISSUER, audience: AUDIENCE })],
      ['an unsigned token (alg: none)', () => Promise.resolve(unsignedToken(claimsOf(id), { issuer: ISSUER, audience: AUDIENCE }))],
      ['a key not in the set', async () => tokenOf(id, undefined, {}, await platformKey('RS256'))],
      ['another audience', () => tokenOf(id, undefined, { audience: 'another-service' })],
      ['another issuer', () => tokenOf(id, undefined, { issuer: 'https://evil.example' })],
      ['no user id claim it can use', () => platformToken(key, { sub: id, app_metadata: { roles: ['customer'] } }, { issuer: ISSUER, audience: AUDIENCE })],
    ];

    it('accepts a valid platform token on both', async () => {
      expect(await bothSides(await tokenOf(id))).toEqual({ rest: { status: 200 }, socket: { status: 200 } });
    });

    it.each(refusals)('refuses %s on both, with the same 401', async (_, make) => {
      const { rest, socket } = await bothSides(await make());
      expect(rest).toEqual({ status: 401, error: 'UNAUTHORIZED', message: expect.any(String) });
      expect(socket).toEqual(rest);
    });
  });

  describe('key rotation through the service', () => {
    afterEach(() => jest.restoreAllMocks());

    /** The service's clock moved on by `seconds` (nothing else changed): what jose's cache and cooldown go by. */
    function clockAhead(seconds: number): void {
      jest.restoreAllMocks();
      const realNow = Date.now.bind(Date);
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + seconds * 1000);
    }

    it('refuses a new kid within 30 s of the last fetch without fetching, then fetches the set once and accepts it', async () => {
      const id = platformId();
      jwks.publish([key]);
      // Well past any earlier fetch: an unknown kid fetches the set (and starts the cooldown).
      clockAhead(31);
      const before = jwks.fetches;
      expect((await api(t, await tokenOf(id, undefined, {}, await platformKey('RS256'))).get('/notifications')).status).toBe(401);
      expect(jwks.fetches).toBe(before + 1);

      const next = await platformKey('RS256');
      jwks.publish([key, next]);
      const rotated = await tokenOf(id, undefined, {}, next);
      const { rest, socket } = await bothSides(rotated);
      expect(rest).toMatchObject({ status: 401, message: expect.stringMatching(/key the platform's key set does not hold/) });
      expect(socket).toEqual(rest);
      expect(jwks.fetches).toBe(before + 1);

      // 31 s after that fetch: fetched once more, and the new key verifies, on both.
      clockAhead(62);
      expect(await bothSides(rotated)).toEqual({ rest: { status: 200 }, socket: { status: 200 } });
      expect(jwks.fetches).toBe(before + 2);
      // The key rotated out still works while the platform publishes it, without a fetch.
      expect((await api(t, await tokenOf(id)).get('/notifications')).status).toBe(200);
      expect(jwks.fetches).toBe(before + 2);
    });
  });
});
