import { createScenario, createUser, TestUser } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { api } from '../support/http';
import { buy } from '../support/purchases';

/**
 * Promotional points (SPEC §11): POST /admin/grants gives points that cost nothing and earn no
 * moderator anything; a spend uses them before paid points; a refund never takes them back as such;
 * the same idempotency key gives once. The ledger (and its money) must add up after every test.
 */
describe('Promotional points (POST /admin/grants)', () => {
  const t = appWithBalancedLedger({ RECONCILE_INTERVAL_MS: '0', EARNINGS_MATURITY_DAYS: '0' });
  let admin: TestUser;

  beforeAll(async () => {
    admin = await createUser(t.db, 'admin');
  });

  const grant = (body: Record<string, unknown>) => api(t, admin.token).post('/admin/grants').send(body);
  const balance = async (client: TestUser, profileId: string) => (await api(t, client.token).get(`/profile/${profileId}/points`)).body.balance;

  it('gives the points once per idempotency key, even to concurrent requests, and refuses the key for another grant', async () => {
    const { profile, client } = await createScenario(t.db);
    const body = { client_id: client.id, profile_id: profile.id, points: 50, reason: 'welcome bonus', idempotency_key: 'welcome' };

    const answers = await Promise.all(Array.from({ length: 5 }, () => grant(body)));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((answer) => !answer.body.replayed)).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.body.grantId)).size).toBe(1);
    expect(answers[0].body).toMatchObject({ clientId: client.id, profileId: profile.id, points: 50, reason: 'welcome bonus', balance: 50 });
    expect(await balance(client, profile.id)).toMatchObject({ points: 50, promotionalPoints: 50, totalPointsReceived: 0, spendable: 50 });
    const reused = await grant({ ...body, points: 60 });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ error: 'IDEMPOTENCY_KEY_REUSED', message: expect.stringContaining('different grant') });
    expect(await balance(client, profile.id)).toMatchObject({ points: 50 });
  });

  it('refuses a grant to a user who is not a client, to an erased client, and for a profile that does not exist, writing nothing', async () => {
    const { profile, moderator, client } = await createScenario(t.db);
    const erased = await createUser(t.db, 'client');
    await t.db.query(`UPDATE users SET erased_at = now(), name = NULL, email = NULL WHERE id = $1`, [erased.id]);
    const [{ before }] = await t.db.query<Array<{ before: number }>>(`SELECT count(*)::int AS before FROM point_grants`);

    const toModerator = await grant({ client_id: moderator.id, profile_id: profile.id, points: 5, reason: 'x', idempotency_key: 'k1' });
    const toErased = await grant({ client_id: erased.id, profile_id: profile.id, points: 5, reason: 'x', idempotency_key: 'k4' });
    const noProfile = await grant({ client_id: client.id, profile_id: '987654321', points: 5, reason: 'x', idempotency_key: 'k2' });
    const noPoints = await grant({ client_id: client.id, profile_id: profile.id, points: 0, reason: 'x', idempotency_key: 'k3' });

    expect([toModerator.status, toModerator.body.error]).toEqual([422, 'NOT_A_CLIENT']);
    expect([toErased.status, toErased.body.error]).toEqual([410, 'USER_ERASED']);
    expect([noProfile.status, noProfile.body.error]).toEqual([404, 'PROFILE_NOT_FOUND']);
    expect([noPoints.status, noPoints.body.error]).toEqual([400, 'VALIDATION_FAILED']);
    const [{ after }] = await t.db.query<Array<{ after: number }>>(`SELECT count(*)::int AS after FROM point_grants`);
    expect(after).toBe(before);
  });

  it('is spent before paid points, worth nothing, and earns the moderator nothing', async () => {
    const { profile, client, moderator } = await createScenario(t.db);
    const bought = await buy(t, client, profile.id, '100');
    const granted = await grant({ client_id: client.id, profile_id: profile.id, points: 50, reason: 'compensation', idempotency_key: 'sorry' });

    const spent = await api(t, client.token).post('/profile-points/spend').send({ profile_id: profile.id, points: 60, reason: 'message', idempotency_key: 'm1' });

    expect(spent.status).toBe(200);
    expect(spent.body.allocations).toEqual([
      { transactionId: null, grantId: granted.body.grantId, promotional: true, points: 50, valueCents: 0, currency: null, moderatorId: null },
      { transactionId: bought.transactionId, grantId: null, promotional: false, points: 10, valueCents: 29, currency: 'eur', moderatorId: moderator.id },
    ]);
    const earnings = (await api(t, moderator.token).get('/moderators/me/points')).body;
    expect(earnings.balance).toBe(100);
    expect(earnings.money).toEqual([expect.objectContaining({ currency: 'eur', availableCents: 90 })]);
    expect(earnings.history.items.map((item: { kind: string }) => item.kind)).toEqual(['attribution']);
  });

  it('is never taken back by a refund while paid points remain: the refunded purchase takes its own points', async () => {
    const { profile, client } = await createScenario(t.db);
    const bought = await buy(t, client, profile.id, '500');
    await grant({ client_id: client.id, profile_id: profile.id, points: 50, reason: 'welcome', idempotency_key: 'w' });

    await t.emulator.refund(bought.paymentIntentId);
    await t.emulator.idle();

    expect(await balance(client, profile.id)).toMatchObject({ points: 50, promotionalPoints: 50, totalPointsReceived: 0 });
  });
});
