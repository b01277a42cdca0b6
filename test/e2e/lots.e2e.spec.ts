import { createProfile, createUser, TestProfile, TestUser } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { api } from '../support/http';
import { buy, lastEvent } from '../support/purchases';
import { waitUntil } from '../support/wait';

/** What a spend allocation from a purchase (not from promotional points) says besides it. */
const PAID = { grantId: null, promotional: false };

/**
 * Lots: every credited purchase is a lot, spends use the oldest first, and a refund or a dispute
 * takes its points from its own lot first, then from the client's other lots, then leaves a debt.
 * Prices in the emulator's catalogue: pack 500 = 999 cents, pack 100 = 299 cents.
 */
describe('Lots: which purchase every point came from', () => {
  const t = appWithBalancedLedger({ RECONCILE_INTERVAL_MS: '0' });
  let admin: TestUser;

  beforeAll(async () => {
    admin = await createUser(t.db, 'admin');
  });

  interface Interaction {
    client: TestUser;
    profile: TestProfile;
    first: TestUser;
    second: TestUser;
    interactionId: string;
  }

  /** A client whose first purchase was earned by `first`, then the interaction handed to `second`. */
  async function interaction(): Promise<Interaction & { a: Bought }> {
    const first = await createUser(t.db, 'moderator');
    const second = await createUser(t.db, 'moderator');
    const profile = await createProfile(t.db, first);
    const client = await createUser(t.db, 'client');
    const a = await buy(t, client, profile.id, '500');
    const [{ id: interactionId }] = await t.db.query<Array<{ id: string }>>(
      `SELECT id FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2`,
      [client.id, profile.id],
    );
    return { client, profile, first, second, interactionId, a };
  }

  type Bought = Awaited<ReturnType<typeof buy>>;

  async function handOver(c: Interaction): Promise<void> {
    const response = await api(t, admin.token).put(`/interactions/${c.interactionId}/moderator`).send({ moderator_id: c.second.id });
    expect(response.status).toBe(200);
  }

  let keys = 0;
  async function spend(c: Interaction, points: number) {
    const response = await api(t, c.client.token)
      .post('/profile-points/spend')
      .send({ profile_id: c.profile.id, points, reason: 'message', idempotency_key: `lot-${++keys}` });
    return response;
  }

  async function lotOf(transactionId: string) {
    const [row] = await t.db.query<Array<{ remaining: string; spent: string; taken: string; moderator_id: string | null }>>(
      `SELECT remaining, spent, taken, moderator_id FROM point_lots WHERE transaction_id = $1`,
      [transactionId],
    );
    return { remaining: Number(row.remaining), spent: Number(row.spent), taken: Number(row.taken), moderatorId: row.moderator_id };
  }

  async function balanceOf(c: Interaction): Promise<number> {
    const [row] = await t.db.query<Array<{ points_balance: string }>>(`SELECT points_balance FROM profile_client_interactions WHERE id = $1`, [c.interactionId]);
    return Number(row.points_balance);
  }

  async function pointsOf(user: TestUser): Promise<number> {
    const [row] = await t.db.query<Array<{ points: string }>>(`SELECT points FROM users WHERE id = $1`, [user.id]);
    return Number(row.points);
  }

  async function notificationsOf(user: TestUser, type: string) {
    const response = await api(t, user.token).get('/notifications');
    expect(response.status).toBe(200);
    return (response.body.items as Array<{ type: string; payload: Record<string, unknown> }>).filter((item) => item.type === type);
  }

  it('spends the oldest purchase first and records each part with its value and the moderator who earned it', async () => {
    const c = await interaction();
    await handOver(c);
    const b = await buy(t, c.client, c.profile.id, '100');

    const first = await spend(c, 450);
    expect(first.status).toBe(200);
    // 999 cents × 450 / 500 = 899.1 → 899
    expect(first.body.allocations).toEqual([{ ...PAID, transactionId: c.a.transactionId, points: 450, valueCents: 899, currency: 'eur', moderatorId: c.first.id }]);

    const second = await spend(c, 100);
    expect(second.body).toMatchObject({ points: 100, balance: 50, replayed: false });
    // The rest of the first purchase is worth exactly what is left of its price: 999 − 899 = 100.
    expect(second.body.allocations).toEqual([
      { ...PAID, transactionId: c.a.transactionId, points: 50, valueCents: 100, currency: 'eur', moderatorId: c.first.id },
      { ...PAID, transactionId: b.transactionId, points: 50, valueCents: 149, currency: 'eur', moderatorId: c.second.id },
    ]);

    const replay = await api(t, c.client.token)
      .post('/profile-points/spend')
      .send({ profile_id: c.profile.id, points: 100, reason: 'message', idempotency_key: `lot-${keys}` });
    expect(replay.body).toEqual({ ...second.body, replayed: true });

    expect(await lotOf(c.a.transactionId)).toMatchObject({ remaining: 0, spent: 500, taken: 0 });
    expect(await lotOf(b.transactionId)).toMatchObject({ remaining: 50, spent: 50, taken: 0 });
  });

  it('reverses a partial refund after a partial spend from the right lots and the right moderator, and says what was already spent', async () => {
    const c = await interaction();
    await handOver(c);
    const b = await buy(t, c.client, c.profile.id, '500');
    expect((await spend(c, 300)).body.allocations).toEqual([expect.objectContaining({ transactionId: c.a.transactionId, points: 300 })]);

    // 400 of 999 cents back: ⌈500 × 400 / 999⌉ = 201 points. The first purchase has 200 unspent,
    // so 1 point comes from the second purchase; only the first purchase's moderator loses points.
    await t.emulator.refund(c.a.paymentIntentId, 400);
    expect(await lotOf(c.a.transactionId)).toMatchObject({ remaining: 0, spent: 300, taken: 200 });
    expect(await lotOf(b.transactionId)).toMatchObject({ remaining: 499, spent: 0, taken: 1 });
    expect(await balanceOf(c)).toBe(1000 - 300 - 201);
    expect(await pointsOf(c.first)).toBe(500 - 201);
    expect(await pointsOf(c.second)).toBe(500);

    await waitUntil(async () => (await notificationsOf(c.first, 'points.reversed')).length === 1);
    const [reversed] = await notificationsOf(c.first, 'points.reversed');
    expect(reversed.payload).toMatchObject({ transactionId: c.a.transactionId, points: 201, reason: 'refund', alreadySpent: 300, unrecovered: 0 });
    expect(await notificationsOf(c.second, 'points.reversed')).toEqual([]);

    // A second partial refund, of the other purchase: ⌈500 × 500 / 999⌉ = 251 points, all from its own lot.
    await t.emulator.refund(b.paymentIntentId, 500);
    expect(await lotOf(b.transactionId)).toMatchObject({ remaining: 248, spent: 0, taken: 252 });
    expect(await pointsOf(c.second)).toBe(500 - 251);
    expect(await pointsOf(c.first)).toBe(299);

    const list = await api(t, c.client.token).get('/profile-points/transactions/client');
    const byId = new Map((list.body.items as Array<{ id: string; lot: unknown }>).map((item) => [item.id, item.lot]));
    expect(byId.get(c.a.transactionId)).toEqual({ remaining: 0, spent: 300, taken: 200 });
    expect(byId.get(b.transactionId)).toEqual({ remaining: 248, spent: 0, taken: 252 });
  });

  it('records a refund of points already spent as a debt, which the next purchase pays off first', async () => {
    const c = await interaction();
    await spend(c, 500);
    await t.emulator.refund(c.a.paymentIntentId);
    expect(await balanceOf(c)).toBe(-500);
    expect(await lotOf(c.a.transactionId)).toMatchObject({ remaining: 0, spent: 500, taken: 0 });
    await waitUntil(async () => (await notificationsOf(c.first, 'points.reversed')).length === 1);
    expect((await notificationsOf(c.first, 'points.reversed'))[0].payload).toMatchObject({ points: 500, alreadySpent: 500, unrecovered: 500 });

    const b = await buy(t, c.client, c.profile.id, '100');
    expect(await balanceOf(c)).toBe(-400);
    expect(await lotOf(b.transactionId)).toMatchObject({ remaining: 0, spent: 0, taken: 100 });
    const refused = await spend(c, 1);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('INSUFFICIENT_POINTS');
  });

  it('gives a won dispute back to the lots it took from', async () => {
    const c = await interaction();
    await spend(c, 200);
    const b = await buy(t, c.client, c.profile.id, '500');

    await t.emulator.createDispute(c.a.chargeId);
    // The whole first purchase is reversed: its 300 unspent points, then 200 of the second one.
    expect(await lotOf(c.a.transactionId)).toMatchObject({ remaining: 0, spent: 200, taken: 300 });
    expect(await lotOf(b.transactionId)).toMatchObject({ remaining: 300, spent: 0, taken: 200 });
    expect((await spend(c, 250)).body.allocations).toEqual([expect.objectContaining({ transactionId: b.transactionId, points: 250 })]);

    const dispute = lastEvent(t, 'charge.dispute.created', c.a.chargeId).data.object as { id: string };
    await t.emulator.closeDispute(dispute.id, 'won');
    expect(await balanceOf(c)).toBe(1000 - 200 - 250);
    expect(await lotOf(c.a.transactionId)).toMatchObject({ remaining: 300, spent: 200, taken: 0 });
    expect(await lotOf(b.transactionId)).toMatchObject({ remaining: 250, spent: 250, taken: 0 });
  });

  it('pays off the debt first when a dispute is won after its points were spent', async () => {
    const c = await interaction();
    await spend(c, 500);
    await t.emulator.createDispute(c.a.chargeId);
    expect(await balanceOf(c)).toBe(-500);
    const b = await buy(t, c.client, c.profile.id, '100');
    expect(await lotOf(b.transactionId)).toMatchObject({ remaining: 0, taken: 100 });

    const dispute = lastEvent(t, 'charge.dispute.created', c.a.chargeId).data.object as { id: string };
    await t.emulator.closeDispute(dispute.id, 'won');
    // 500 restored: 400 of debt paid off, and the 100 the second purchase paid towards it come back.
    expect(await balanceOf(c)).toBe(100);
    expect(await lotOf(b.transactionId)).toMatchObject({ remaining: 100, taken: 0 });
    expect(await lotOf(c.a.transactionId)).toMatchObject({ remaining: 0, spent: 500, taken: 0 });
  });

  it('names the moderator of a held purchase once one is assigned', async () => {
    const profile = await createProfile(t.db, null);
    const client = await createUser(t.db, 'client');
    const moderator = await createUser(t.db, 'moderator');
    const bought = await buy(t, client, profile.id, '100');
    const spent = await api(t, client.token)
      .post('/profile-points/spend')
      .send({ profile_id: profile.id, points: 40, reason: 'message', idempotency_key: 'held-1' });
    expect(spent.body.allocations).toEqual([{ ...PAID, transactionId: bought.transactionId, points: 40, valueCents: 119, currency: 'eur', moderatorId: null }]);

    const [{ id: interactionId }] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM profile_client_interactions WHERE client_id = $1`, [client.id]);
    await api(t, admin.token).put(`/interactions/${interactionId}/moderator`).send({ moderator_id: moderator.id }).expect(200);
    expect(await lotOf(bought.transactionId)).toMatchObject({ moderatorId: moderator.id, remaining: 60, spent: 40 });
  });
});
