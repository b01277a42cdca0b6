import { createUser, tokenFor } from '../factories';
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { USER_LOOKUP_CACHE_SECONDS } from '../../src/users/user-lookup-cache';

/**
 * Authentication reads the user behind a token through a short cache (src/users/user-lookup-cache.ts):
 * a deleted user may still be served for at most USER_LOOKUP_CACHE_SECONDS, and never after.
 */
describe('The user lookup cache of authentication', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it(`refuses a deleted user once ${USER_LOOKUP_CACHE_SECONDS} s have passed`, async () => {
    const client = await createUser(t.db, 'client');
    const token = tokenFor(client);
    expect((await api(t, token).get('/notifications')).status).toBe(200);

    await t.db.query('DELETE FROM users WHERE id = $1', [client.id]);
    const deletedAt = Date.now();
    // Within the window the cached lookup may still serve the request: that is the stated trade-off.
    const within = await api(t, token).get('/notifications');
    expect([200, 401]).toContain(within.status);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deletedAt + USER_LOOKUP_CACHE_SECONDS * 1000 + 50 - Date.now())));
    const after = await api(t, token).get('/notifications');
    expect({ status: after.status, error: after.body.error, message: after.body.message }).toEqual({
      status: 401,
      error: 'UNAUTHORIZED',
      message: 'The token names a user that does not exist',
    });
  }, 30_000);

  it('accepts a user created after a refused token named it: misses are not cached', async () => {
    const unknown = tokenFor({ id: '987654320', role: 'client' });
    expect((await api(t, unknown).get('/notifications')).status).toBe(401);
    const client = await createUser(t.db, 'client');
    expect((await api(t, tokenFor(client)).get('/notifications')).status).toBe(200);
  });
});
