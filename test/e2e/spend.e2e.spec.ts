import { createScenario, createUser } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { api } from '../support/http';
import { buy } from '../support/purchases';

describe('Spending points', () => {
  const t = appWithBalancedLedger({ RECONCILE_INTERVAL_MS: '0' });

  const spend = (token: string, body: Record<string, unknown>) => api(t, token).post('/profile-points/spend').send(body);

  it('never overdraws: 20 concurrent spends of 100 against 1000 → 10 succeed, 10 get 409', async () => {
    const { client, profile } = await createScenario(t.db);
    await buy(t, client, profile.id, '1000');

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => spend(client.token, { profile_id: profile.id, points: 100, reason: 'message', idempotency_key: `c-${i}` })),
    );

    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
    const refused = responses.filter((r) => r.status === 409);
    expect(refused).toHaveLength(10);
    expect(refused[0].body).toMatchObject({ error: 'INSUFFICIENT_POINTS', message: 'Not enough points: 100 requested, 0 available for this profile' });
    expect((await api(t, client.token).get(`/profile/${profile.id}/points`)).body.balance.points).toBe(0);
    const rows = await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM point_spends WHERE client_id = $1`, [client.id]);
    expect(rows[0].n).toBe(10);
  });

  it('spends once for a repeated idempotency key, even concurrently, and refuses the key for another spend', async () => {
    const { client, profile } = await createScenario(t.db);
    await buy(t, client, profile.id, '500');
    const body = { profile_id: profile.id, points: 30, reason: 'message', idempotency_key: 'msg-42' };

    const responses = await Promise.all(Array.from({ length: 5 }, () => spend(client.token, body)));

    expect(responses.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(new Set(responses.map((r) => r.body.spendId)).size).toBe(1);
    expect(responses.map((r) => r.body.balance)).toEqual(Array(5).fill(470));
    expect(responses.filter((r) => r.body.replayed === false)).toHaveLength(1);
    const reused = await spend(client.token, { ...body, points: 31 });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await api(t, client.token).get(`/profile/${profile.id}/points`)).body.balance.points).toBe(470);
  });

  it('updates last_interaction_at', async () => {
    const { client, profile } = await createScenario(t.db);
    await buy(t, client, profile.id, '100');
    const before = new Date();

    await spend(client.token, { profile_id: profile.id, points: 1, reason: 'like', idempotency_key: 'like-1' }).expect(200);

    const [row] = await t.db.query<Array<{ last: Date }>>(`SELECT last_interaction_at AS last FROM profile_client_interactions WHERE client_id = $1`, [client.id]);
    expect(row.last.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
  });

  it.each([
    [{ points: 0 }, 400, /points must be at least 1/],
    [{ points: 1.5 }, 400, /points must be a whole number/],
    [{ idempotency_key: 'has space' }, 400, /idempotency_key may contain/],
    [{ reason: undefined }, 400, /reason is required/],
    [{ profile_id: '987654321' }, 404, /does not exist/],
  ])('refuses %o with a clear %i and spends nothing', async (change, status, message) => {
    const { client, profile } = await createScenario(t.db);
    await buy(t, client, profile.id, '100');

    const response = await spend(client.token, { profile_id: profile.id, points: 10, reason: 'message', idempotency_key: 'k-1', ...change });

    expect(response.status).toBe(status);
    expect(response.body.message).toMatch(message);
    expect((await api(t, client.token).get(`/profile/${profile.id}/points`)).body.balance.points).toBe(100);
  });

  it('refuses a client with no balance for the profile, and non-clients', async () => {
    const { client, profile, moderator } = await createScenario(t.db);
    const admin = await createUser(t.db, 'admin');
    const body = { profile_id: profile.id, points: 1, reason: 'message', idempotency_key: 'k-2' };

    expect((await spend(client.token, body)).status).toBe(409);
    expect((await spend(moderator.token, body)).status).toBe(403);
    expect((await spend(admin.token, body)).status).toBe(403);
  });
});
