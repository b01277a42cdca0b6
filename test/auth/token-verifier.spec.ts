import { AuthError } from '../../src/auth/auth.errors';
import { PlatformKeys } from '../../src/auth/platform-keys';
import { TokenVerifier } from '../../src/auth/token-verifier';
import { validateEnv } from '../../src/config/env.schema';
import { hs256WithPublicKey, JwksServer, PlatformKey, platformKey, platformToken, unsignedToken } from '../support/jwks';
import { signClaims } from '../support/tokens';
import { TEST_JWT_SECRET } from '../support/test-app';

const ISSUER = 'https://platform.example';
const AUDIENCE = 'profile-points';
const claims = (extra: Record<string, unknown> = {}) => ({ sub: '42', role: 'client', ...extra });
const signed = (key: PlatformKey, extra: Record<string, unknown> = {}, options: Parameters<typeof platformToken>[2] = {}) =>
  platformToken(key, claims(extra), { issuer: ISSUER, audience: AUDIENCE, ...options });

/** The verifier as the service builds it, on a real JWKS server; `timings` shorten the waits of SPEC §10 where a test needs to pass them. */
function verifierOn(jwks: JwksServer, env: Record<string, string> = {}, timings = { cooldownMs: 30_000, cacheMaxAgeMs: 600_000, timeoutMs: 5_000 }) {
  const settings = validateEnv({ NODE_ENV: 'test', JWT_JWKS_URL: jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, ...env });
  return new TokenVerifier(settings, new PlatformKeys(jwks.url, timings));
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    const { status, code, message } = error as AuthError;
    return { status, code, message };
  }
  throw new Error('the token was accepted');
}

describe(`${TokenVerifier.name} with the platform's keys (a real JWKS server)`, () => {
  let rsa: PlatformKey;
  let ec: PlatformKey;
  let ed: PlatformKey;
  let jwks: JwksServer;

  beforeAll(async () => {
    [rsa, ec, ed] = await Promise.all([platformKey('RS256'), platformKey('ES256'), platformKey('EdDSA')]);
  });
  beforeEach(async () => {
    jwks = await JwksServer.start([rsa, ec, ed]);
  });
  afterEach(async () => {
    await jwks.stop();
  });

  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts a %s token of a key in the set, naming its user, role, name and e-mail', async (alg) => {
    const key = { RS256: rsa, ES256: ec, EdDSA: ed }[alg];
    const sut = verifierOn(jwks);
    const verified = await sut.verify(await signed(key, { name: 'Camille', email: 'camille@example.com' }));
    expect(verified).toMatchObject({ userId: '42', source: 'platform', role: 'client', name: 'Camille', email: 'camille@example.com' });
    expect(jwks.fetches).toBe(1);
  });

  describe('refuses, with 401', () => {
    it('an HS256 token keyed with the platform\'s public key (algorithm confusion), with or without JWT_SECRET', async () => {
      const forged = await hs256WithPublicKey(rsa, claims(), { issuer: ISSUER, audience: AUDIENCE });
      expect(await refusal(verifierOn(jwks).verify(forged))).toMatchObject({ status: 401, message: expect.stringMatching(/algorithm \(HS256\)/) });
      expect(await refusal(verifierOn(jwks, { JWT_SECRET: TEST_JWT_SECRET }).verify(forged))).toMatchObject({ status: 401 });
    });

    it('an unsigned token (alg: none)', async () => {
      const token = unsignedToken(claims(), { issuer: ISSUER, audience: AUDIENCE });
      expect(await refusal(verifierOn(jwks, { JWT_SECRET: TEST_JWT_SECRET }).verify(token))).toMatchObject({ status: 401, message: expect.stringMatching(/algorithm \(none\)/) });
    });

    it('a token signed with a key that is not in the set, after fetching the set again (at most once per cooldown)', async () => {
      const stranger = await platformKey('RS256');
      const strangerToken = await signed(stranger);
      const sut = verifierOn(jwks, {}, { cooldownMs: 1_500, cacheMaxAgeMs: 600_000, timeoutMs: 5_000 });
      await sut.verify(await signed(rsa));
      // Within the cooldown of the first fetch: refused without asking the platform.
      expect(await refusal(sut.verify(strangerToken))).toMatchObject({ status: 401, message: expect.stringMatching(/key the platform's key set does not hold/) });
      expect(jwks.fetches).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      expect(await refusal(sut.verify(await signed(stranger)))).toMatchObject({ status: 401 });
      expect(jwks.fetches).toBe(2);
      // Another unknown kid right after: nothing fetched.
      expect(await refusal(sut.verify(await signed(await platformKey('RS256'))))).toMatchObject({ status: 401 });
      expect(jwks.fetches).toBe(2);
    });

    it("a token that borrows a published key's kid but is signed with another key", async () => {
      const stranger = await platformKey('RS256', rsa.kid);
      expect(await refusal(verifierOn(jwks).verify(await signed(stranger)))).toMatchObject({ status: 401 });
    });

    it('a token for another audience, or with none', async () => {
      const sut = verifierOn(jwks);
      expect(await refusal(sut.verify(await signed(rsa, {}, { audience: 'another-service' })))).toMatchObject({ status: 401, message: expect.stringMatching(/aud/) });
      expect(await refusal(sut.verify(await platformToken(rsa, claims(), { issuer: ISSUER })))).toMatchObject({ status: 401 });
    });

    it('a token of another issuer, or with none', async () => {
      const sut = verifierOn(jwks);
      expect(await refusal(sut.verify(await signed(rsa, {}, { issuer: 'https://evil.example' })))).toMatchObject({ status: 401, message: expect.stringMatching(/iss/) });
      expect(await refusal(sut.verify(await platformToken(rsa, claims(), { audience: AUDIENCE })))).toMatchObject({ status: 401 });
    });

    it('an expired token, and one living longer than the cap', async () => {
      const sut = verifierOn(jwks);
      expect(await refusal(sut.verify(await signed(rsa, {}, { expiresIn: -60 })))).toMatchObject({ status: 401, message: 'The bearer token has expired' });
      expect(await refusal(sut.verify(await signed(rsa, {}, { expiresIn: 2 * 86_400 })))).toMatchObject({ status: 401, message: expect.stringMatching(/lives longer/) });
    });

    it('an HS256 token when JWT_SECRET is not set, even one signed with the right secret', async () => {
      const token = signClaims({ sub: '42', role: 'client', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 });
      expect(await refusal(verifierOn(jwks).verify(token))).toMatchObject({ status: 401 });
      await expect(verifierOn(jwks, { JWT_SECRET: TEST_JWT_SECRET }).verify(token)).resolves.toMatchObject({ userId: '42', source: 'secret' });
    });

    it('a token whose user id claim is not a positive integer', async () => {
      const sut = verifierOn(jwks, { JWT_USER_ID_CLAIM: 'platform_user_id' });
      expect(await refusal(sut.verify(await signed(rsa, { sub: 'auth0|5f2a' })))).toMatchObject({ status: 401, message: 'The token has no valid subject' });
      expect(await refusal(sut.verify(await signed(rsa, { platform_user_id: 'auth0|5f2a' })))).toMatchObject({ status: 401 });
      await expect(sut.verify(await signed(rsa, { sub: 'auth0|5f2a', platform_user_id: 4021 }))).resolves.toMatchObject({ userId: '4021' });
    });
  });

  describe('a token without kid', () => {
    it('is verified when the set holds exactly one key for its algorithm (other algorithms\' keys beside it)', async () => {
      await expect(verifierOn(jwks).verify(await signed(rsa, {}, { kid: null }))).resolves.toMatchObject({ userId: '42' });
      await expect(verifierOn(jwks).verify(await signed(ec, {}, { kid: null }))).resolves.toMatchObject({ userId: '42' });
    });

    it('is refused when the set holds several keys for its algorithm, even if one of them signed it', async () => {
      jwks.publish([rsa, await platformKey('RS256'), ec]);
      expect(await refusal(verifierOn(jwks).verify(await signed(rsa, {}, { kid: null })))).toMatchObject({ status: 401, message: expect.stringMatching(/several/) });
    });
  });

  describe('key rotation', () => {
    it('accepts a new kid once the set is fetched again, never more often than the cooldown', async () => {
      const next = await platformKey('RS256');
      const rotated = await signed(next);
      const sut = verifierOn(jwks, {}, { cooldownMs: 1_500, cacheMaxAgeMs: 600_000, timeoutMs: 5_000 });
      await sut.verify(await signed(rsa));
      expect(jwks.fetches).toBe(1);

      jwks.publish([rsa, next]);
      // Within the cooldown after the last fetch: not fetched again, refused.
      expect(await refusal(sut.verify(rotated))).toMatchObject({ status: 401 });
      expect(jwks.fetches).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, 1_600));
      await expect(sut.verify(rotated)).resolves.toMatchObject({ userId: '42' });
      expect(jwks.fetches).toBe(2);
      // The old key still works while it is published, without a fetch.
      await expect(sut.verify(await signed(rsa))).resolves.toMatchObject({ userId: '42' });
      expect(jwks.fetches).toBe(2);
    });

    it('stops accepting a removed key once the cached set has aged out', async () => {
      const sut = verifierOn(jwks, {}, { cooldownMs: 100, cacheMaxAgeMs: 500, timeoutMs: 5_000 });
      await sut.verify(await signed(rsa));
      jwks.publish([ec]);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await refusal(sut.verify(await signed(rsa)))).toMatchObject({ status: 401 });
      expect(jwks.fetches).toBe(2);
    });
  });

  describe('the platform down', () => {
    it('keeps verifying with the last set fetched, and asks the platform again at most once per cooldown', async () => {
      const sut = verifierOn(jwks, {}, { cooldownMs: 30_000, cacheMaxAgeMs: 300, timeoutMs: 5_000 });
      await sut.verify(await signed(rsa));
      jwks.fail(503);
      await new Promise((resolve) => setTimeout(resolve, 400));
      for (let i = 0; i < 5; i++) await expect(sut.verify(await signed(rsa))).resolves.toMatchObject({ userId: '42' });
      expect(jwks.fetches).toBe(2);
      // An unknown key is still refused as the token's fault, not the service's.
      expect(await refusal(sut.verify(await signed(await platformKey('RS256'))))).toMatchObject({ status: 401 });
    });

    it('answers 503 AUTH_KEYS_UNAVAILABLE with Retry-After when no set was ever fetched, within the fetch timeout', async () => {
      jwks.fail('hang');
      const sut = verifierOn(jwks, {}, { cooldownMs: 30_000, cacheMaxAgeMs: 600_000, timeoutMs: 300 });
      const started = Date.now();
      let error: unknown;
      await sut.verify(await signed(rsa)).catch((caught: unknown) => (error = caught));
      expect(error).toMatchObject({ status: 503, code: 'AUTH_KEYS_UNAVAILABLE', retryAfterSeconds: 5 });
      expect(Date.now() - started).toBeLessThan(5_000);

      jwks.fail(500);
      await expect(verifierOn(jwks).verify(await signed(rsa))).rejects.toMatchObject({ status: 503, code: 'AUTH_KEYS_UNAVAILABLE' });
    });
  });
});
