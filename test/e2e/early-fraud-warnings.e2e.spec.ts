import { createProfile, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { IBANS } from '../support/payouts';
import { Bought, buy, lastEvent, PayingApp } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

interface RunAnswer {
  payouts: Array<{ moderatorId: string; amountCents: number }>;
}

/**
 * Early fraud warnings (SPEC §11): Stripe's `radar.early_fraud_warning.created` freezes the
 * purchase's unspent points (a spend that needs them answers 409 POINTS_FROZEN), keeps its
 * moderator's money out of payout runs and alerts every admin, until the purchase is refunded or
 * disputed, or an admin releases it. With EFW_AUTO_REFUND the unspent points are refunded at Stripe
 * and the usual `charge.refunded` reverses them. A database of its own: its runs pay its moderators only.
 */
describe('Early fraud warnings', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  /** The same service with EFW_AUTO_REFUND=true, on the same database. */
  let auto: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    database = await createIsolatedDatabase('fraud_warnings');
    const env = { DATABASE_URL: database.url, PAYOUT_MINIMUM_CENTS: '50', EARNINGS_MATURITY_DAYS: '0', RECONCILE_INTERVAL_MS: '0' };
    auto = await startTestApp({ ...env, EFW_AUTO_REFUND: 'true' });
    // One relay for the shared outbox: each app has an emulator of its own, and a refund request
    // relayed by `t` would go to the emulator that never saw the charge.
    t = await startTestApp({ ...env, EFW_AUTO_REFUND: 'false', OUTBOX_RELAY_ENABLED: 'false' });
    admin = await createUser(t.db, 'admin');
  });
  afterEach(async () => {
    await t.emulator.idle();
    await auto.emulator.idle();
    expect(await ledgerDrift(t.db)).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
    await auto?.close();
    await database?.drop();
  });

  async function cast() {
    const moderator = await createUser(t.db, 'moderator');
    const profile = await createProfile(t.db, moderator);
    const client = await createUser(t.db, 'client');
    await api(t, moderator.token).put('/moderators/me/payout-details').send({ iban: IBANS[2], name: 'Dana Moderator' }).expect(200);
    return { moderator, profile, client };
  }

  const spend = (client: TestUser, profileId: string, points: number, key: string) =>
    api(t, client.token).post('/profile-points/spend').send({ profile_id: profileId, points, reason: 'message', idempotency_key: key });
  const balanceOf = async (app: TestApp, client: TestUser, profileId: string) => (await api(app, client.token).get(`/profile/${profileId}/points`)).body.balance;
  const warningOf = async (transactionId: string) =>
    (await t.db.query<Array<{ fraud_warning_id: string; fraud_warning_status: string; fraud_refund_cents: string | null }>>(
      `SELECT fraud_warning_id, fraud_warning_status, fraud_refund_cents FROM profile_point_transactions WHERE id = $1`,
      [transactionId],
    ))[0];
  const warn = async (app: PayingApp, bought: Bought) => {
    const [delivery] = await app.emulator.earlyFraudWarning(bought.chargeId);
    expect(delivery.status).toBe(200);
    return (await warningOf(bought.transactionId)).fraud_warning_id;
  };
  const run = async () => (await api(t, admin.token).post('/admin/payout-runs').send({ until: new Date().toISOString() })).body as RunAnswer;
  const paidTo = (answer: RunAnswer, moderator: TestUser) => answer.payouts.filter((payout) => payout.moderatorId === moderator.id).map((payout) => payout.amountCents);

  it('refuses a spend that needs frozen points with 409 POINTS_FROZEN, keeps the share out of the next run, alerts the admins, until released', async () => {
    const { moderator, profile, client } = await cast();
    const warned = await buy(t, client, profile.id, '500');
    await buy(t, client, profile.id, '100');
    expect((await spend(client, profile.id, 100, 'before')).status).toBe(200);

    const warningId = await warn(t, warned);
    expect(lastEvent(t, 'radar.early_fraud_warning.created', warned.chargeId).data.object).toMatchObject({ id: warningId });

    expect(await balanceOf(t, client, profile.id)).toMatchObject({ points: 500, frozenPoints: 400, spendable: 100 });
    const spends = async () => (await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM point_spends WHERE client_id = $1`, [client.id]))[0].n;
    const before = await spends();
    const refused = await spend(client, profile.id, 150, 'needs-frozen');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'POINTS_FROZEN', message: expect.stringContaining('400 of them are frozen') });
    expect(await spends()).toBe(before);
    const allowed = await spend(client, profile.id, 100, 'unfrozen-only');
    expect(allowed.status).toBe(200);
    expect(allowed.body.allocations).toEqual([expect.objectContaining({ points: 100, transactionId: expect.not.stringMatching(`^${warned.transactionId}$`) })]);

    // 3.00 € of the warned purchase held, 0.90 € of the other one payable.
    const money = (await api(t, moderator.token).get('/moderators/me/points')).body.money;
    expect(money).toEqual([expect.objectContaining({ availableCents: 390, frozenCents: 300 })]);
    expect(paidTo(await run(), moderator)).toEqual([90]);

    const alerts = async () =>
      ((await api(t, admin.token).get('/notifications?limit=100')).body.items as Array<{ type: string; payload: Record<string, unknown> }>).filter(
        (item) => item.type === 'fraud_warning.created' && item.payload.warningId === warningId,
      );
    await waitUntil(async () => (await alerts()).length === 1);
    expect((await alerts())[0].payload).toMatchObject({ transactionId: warned.transactionId, frozenPoints: 400, refundCents: 0, fraudType: 'made_with_stolen_card' });
    const listed = await api(t, admin.token).get('/admin/fraud-warnings?status=active');
    expect(listed.body.items).toContainEqual(expect.objectContaining({ warningId, transactionId: warned.transactionId, moderatorId: moderator.id, status: 'active' }));

    const released = await api(t, admin.token).post(`/admin/fraud-warnings/${warningId}/release`);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ warningId, status: 'released', unfrozenPoints: 400 });
    const twice = await api(t, admin.token).post(`/admin/fraud-warnings/${warningId}/release`);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toBe('FRAUD_WARNING_NOT_ACTIVE');
    expect(await balanceOf(t, client, profile.id)).toMatchObject({ points: 400, frozenPoints: 0, spendable: 400 });
    expect((await spend(client, profile.id, 150, 'needs-frozen')).status).toBe(200);
    expect(paidTo(await run(), moderator)).toEqual([300]);
  });

  it('ends the hold when the purchase is refunded: the refund reverses its points, the rest can be spent again', async () => {
    const { moderator, profile, client } = await cast();
    const warned = await buy(t, client, profile.id, '500');
    const warningId = await warn(t, warned);

    await t.emulator.refund(warned.paymentIntentId, 300);
    await t.emulator.idle();

    expect(await warningOf(warned.transactionId)).toMatchObject({ fraud_warning_status: 'refunded' });
    // ⌈500 × 300 ÷ 999⌉ = 151 points reversed; 30 % of 6.99 € = 2.10 € left to the moderator, no longer held.
    expect(await balanceOf(t, client, profile.id)).toMatchObject({ points: 349, frozenPoints: 0, spendable: 349 });
    expect((await api(t, moderator.token).get('/moderators/me/points')).body.money).toEqual([expect.objectContaining({ availableCents: 210, frozenCents: 0 })]);
    const listed = await api(t, admin.token).get('/admin/fraud-warnings?status=refunded');
    expect(listed.body.items).toContainEqual(expect.objectContaining({ warningId, status: 'refunded' }));
  });

  it('ends the hold when the purchase is disputed: the dispute takes everything back', async () => {
    const { profile, client } = await cast();
    const warned = await buy(t, client, profile.id, '500');
    await warn(t, warned);

    await t.emulator.createDispute(warned.chargeId);
    await t.emulator.idle();

    expect(await warningOf(warned.transactionId)).toMatchObject({ fraud_warning_status: 'disputed' });
    expect(await balanceOf(t, client, profile.id)).toMatchObject({ points: 0, frozenPoints: 0, spendable: 0 });
  });

  it('acknowledges a repeated warning and a second one while the first holds, changing nothing', async () => {
    const { profile, client } = await cast();
    const warned = await buy(t, client, profile.id, '500');
    await warn(t, warned);
    const event = lastEvent(t, 'radar.early_fraud_warning.created', warned.chargeId);

    const repeated = await t.emulator.redeliver(event.id);
    const other = await t.emulator.sendEvent('radar.early_fraud_warning.created', { ...(event.data.object as object), id: 'issfr_another' });

    expect(repeated.status).toBe(200);
    expect(other.status).toBe(200);
    const outcomes = await t.db.query<Array<{ outcome: string }>>(`SELECT outcome FROM stripe_events WHERE id = ANY($1) ORDER BY processed_at`, [[event.id, other.eventId]]);
    expect(outcomes.map((row) => row.outcome)).toEqual(['frozen', 'already_applied']);
    expect(await balanceOf(t, client, profile.id)).toMatchObject({ frozenPoints: 500 });
  });

  it('with EFW_AUTO_REFUND refunds at Stripe what the unspent points cost, once, and the refund reverses exactly them', async () => {
    const { profile, client } = await cast();
    const warned = await buy(auto, client, profile.id, '500');
    await api(auto, client.token).post('/profile-points/spend').send({ profile_id: profile.id, points: 100, reason: 'message', idempotency_key: 'auto-1' }).expect(200);

    const warningId = await warn(auto, warned);
    await auto.emulator.redeliver(lastEvent(auto, 'radar.early_fraud_warning.created', warned.chargeId).id);
    await waitUntil(async () => (await warningOf(warned.transactionId)).fraud_warning_status === 'refunded', 10_000);
    await auto.emulator.idle();

    // 400 unspent of 500 points: ⌊400 × 999 ÷ 500⌋ = 799 cents refunded, which reverses ⌈500 × 799 ÷ 999⌉ = 400 points.
    expect(await warningOf(warned.transactionId)).toEqual({ fraud_warning_id: warningId, fraud_warning_status: 'refunded', fraud_refund_cents: '799' });
    const refunds = auto.emulator.events().filter((event) => event.type === 'charge.refunded' && (event.data.object as { id: string }).id === warned.chargeId);
    expect(refunds.map((event) => (event.data.object as { amount_refunded: number }).amount_refunded)).toEqual([799]);
    expect(await balanceOf(auto, client, profile.id)).toMatchObject({ points: 0, frozenPoints: 0, spendable: 0 });
    const [purchase] = await t.db.query<Array<{ refunded_points: string; status: string }>>(`SELECT refunded_points, status FROM profile_point_transactions WHERE id = $1`, [
      warned.transactionId,
    ]);
    expect(purchase).toEqual({ refunded_points: '400', status: 'completed' });
  });
});
