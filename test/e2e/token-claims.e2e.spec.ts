import { createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { signClaims } from '../support/tokens';

const now = () => Math.floor(Date.now() / 1000);

describe('Bearer token claims', () => {
  let t: TestApp;
  let client: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ JWT_ISSUER: 'https://id.profile-points.test', JWT_AUDIENCE: 'profile-points' });
    client = await createUser(t.db, 'client');
  });
  afterAll(async () => {
    await t.close();
  });

  const valid = () => ({ sub: client.id, role: 'client', iat: now(), exp: now() + 600, iss: 'https://id.profile-points.test', aud: 'profile-points' });

  it('accepts a token with exp within the cap, the issuer and the audience', async () => {
    const response = await api(t, signClaims(valid())).get('/profile-points/transactions/client');
    expect(response.status).toBe(200);
  });

  it.each([
    ['no exp', () => ({ ...valid(), exp: undefined })],
    ['exp: 1e300', () => ({ ...valid(), exp: 1e300 })],
    ['iat ten years ago', () => ({ ...valid(), iat: now() - 10 * 365 * 86_400 })],
    ['iat an hour in the future', () => ({ ...valid(), iat: now() + 3600, exp: now() + 7200 })],
    ['a lifetime of two days', () => ({ ...valid(), exp: now() + 2 * 86_400 })],
    ['another issuer', () => ({ ...valid(), iss: 'https://evil.example' })],
    ['no issuer', () => ({ ...valid(), iss: undefined })],
    ['another audience', () => ({ ...valid(), aud: 'another-service' })],
  ])('refuses a token with %s: 401, nothing served', async (_, claims) => {
    const response = await api(t, signClaims(claims())).get('/profile-points/transactions/client');
    expect({ status: response.status, error: response.body.error }).toEqual({ status: 401, error: 'UNAUTHORIZED' });
  });

  it('says why a token without expiry is refused', async () => {
    const response = await api(t, signClaims({ ...valid(), exp: undefined })).get('/profile-points/transactions/client');
    expect(response.body.message).toMatch(/expir/);
  });
});
