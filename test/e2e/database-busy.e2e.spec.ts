import { Client } from 'pg';
import { DB_CONNECTION_WAIT_MS } from '../../src/database/data-source-options';
import { createScenario, createUser } from '../factories';
import { api } from '../support/http';
import { buy } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Every database connection of the instance busy (here: 25 spends waiting on an interaction another
 * session holds locked): a request of another user is answered 503 DATABASE_BUSY with Retry-After
 * once it has waited DB_CONNECTION_WAIT_MS for a connection, instead of hanging until its client
 * gives up; once the lock goes, the waiting spends complete.
 */
describe('A database with no free connection', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0', OUTBOX_RELAY_ENABLED: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 DATABASE_BUSY with Retry-After after a bounded wait, and recovers', async () => {
    const { profile, client } = await createScenario(t.db);
    const other = await createUser(t.db, 'client');
    await buy(t, client, profile.id, '100');
    const holder = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2 FOR UPDATE`, [client.id, profile.id]);
      // Sent now (supertest sends a request when it is awaited or then'd).
      const spends = Array.from({ length: 25 }, (_, i) =>
        api(t, client.token)
          .post('/profile-points/spend')
          .send({ profile_id: profile.id, points: 1, reason: 'message', idempotency_key: `busy-${i}` })
          .then((response) => response),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      const started = Date.now();
      const answer = await api(t, other.token).get('/notifications');
      const waited = Date.now() - started;
      expect(answer.body).toMatchObject({ status: 503, error: 'DATABASE_BUSY' });
      expect(answer.headers['retry-after']).toBe('5');
      expect(waited).toBeGreaterThanOrEqual(DB_CONNECTION_WAIT_MS - 1_500);

      await holder.query('ROLLBACK');
      const statuses = (await Promise.all(spends)).map((response) => response.status);
      // Those that had a connection waited for the lock and spent; the others were told to retry.
      expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(15);
      expect((await api(t, other.token).get('/notifications')).status).toBe(200);
    } finally {
      await holder.end();
    }
  }, 40_000);
});
