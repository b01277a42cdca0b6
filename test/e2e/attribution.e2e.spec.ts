import { createProfile, createUser, TestUser } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { api } from '../support/http';
import { buy } from '../support/purchases';

describe('Attribution that loses nothing: held points and moderator assignment', () => {
  const t = appWithBalancedLedger({ RECONCILE_INTERVAL_MS: '0' });
  let admin: TestUser;

  beforeAll(async () => {
    admin = await createUser(t.db, 'admin');
  });

  async function pointsOf(user: TestUser): Promise<number> {
    const [row] = await t.db.query<Array<{ points: string }>>(`SELECT points FROM users WHERE id = $1`, [user.id]);
    return Number(row.points);
  }

  async function interactionOf(client: TestUser, profileId: string) {
    const [row] = await t.db.query<Array<{ id: string; moderator_id: string | null; held_points: string }>>(
      `SELECT id, moderator_id, held_points FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2`,
      [client.id, profileId],
    );
    return { id: row.id, moderatorId: row.moderator_id, held: Number(row.held_points) };
  }

  const assignInteraction = (id: string, moderatorId: string | null, token = admin.token) =>
    api(t, token).put(`/interactions/${id}/moderator`).send({ moderator_id: moderatorId });
  const assignProfile = (id: string, moderatorId: string | null, token = admin.token) =>
    api(t, token).put(`/profiles/${id}/moderator`).send({ moderator_id: moderatorId });

  it('holds points bought while nobody handles the interaction and gives them, once, to the moderator assigned', async () => {
    const profile = await createProfile(t.db, null);
    const client = await createUser(t.db, 'client');
    const first = await createUser(t.db, 'moderator');
    const second = await createUser(t.db, 'moderator');
    const { transactionId } = await buy(t, client, profile.id, '500');
    await buy(t, client, profile.id, '100');
    const interaction = await interactionOf(client, profile.id);
    expect(interaction).toMatchObject({ moderatorId: null, held: 600 });

    const assigned = await assignInteraction(interaction.id, first.id);
    expect(assigned.status).toBe(200);
    expect(assigned.body).toEqual({ moderatorId: first.id, interactionIds: [interaction.id], releasedPoints: 600 });
    expect(await pointsOf(first)).toBe(600);
    expect(await interactionOf(client, profile.id)).toMatchObject({ moderatorId: first.id, held: 0 });
    const [purchase] = await t.db.query<Array<{ moderator_id: string }>>(`SELECT moderator_id FROM profile_point_transactions WHERE id = $1`, [transactionId]);
    expect(purchase.moderator_id).toBe(first.id);

    const again = await assignInteraction(interaction.id, second.id);
    expect(again.body.releasedPoints).toBe(0);
    expect(await pointsOf(first)).toBe(600);
    expect(await pointsOf(second)).toBe(0);

    await buy(t, client, profile.id, '100');
    expect(await pointsOf(second)).toBe(100);
  });

  it('reconciles a held-then-released purchase as credited once to the moderator side', async () => {
    const profile = await createProfile(t.db, null);
    const client = await createUser(t.db, 'client');
    const moderator = await createUser(t.db, 'moderator');
    const { transactionId } = await buy(t, client, profile.id, '500');
    expect((await assignInteraction((await interactionOf(client, profile.id)).id, moderator.id)).body.releasedPoints).toBe(500);

    const report = await api(t, admin.token).get('/admin/reconciliation?limit=100');
    expect(report.status).toBe(200);
    expect(report.body.items.find((row: { id: string }) => row.id === transactionId)).toMatchObject({
      expectedPoints: 500,
      clientCredited: 500,
      moderatorId: moderator.id,
      moderatorCredited: 500,
      flags: [],
    });
  });

  it('takes a refund of a released purchase back from the moderator who received it', async () => {
    const profile = await createProfile(t.db, null);
    const client = await createUser(t.db, 'client');
    const moderator = await createUser(t.db, 'moderator');
    const { paymentIntentId } = await buy(t, client, profile.id, '500');
    await assignInteraction((await interactionOf(client, profile.id)).id, moderator.id);

    await t.emulator.refund(paymentIntentId);

    expect(await pointsOf(moderator)).toBe(0);
    expect((await interactionOf(client, profile.id)).held).toBe(0);
  });

  it("assigns a profile's unhandled interactions with the profile, and leaves handled ones alone", async () => {
    const profile = await createProfile(t.db, null);
    const [a, b, c] = await Promise.all([createUser(t.db, 'client'), createUser(t.db, 'client'), createUser(t.db, 'client')]);
    const keeper = await createUser(t.db, 'moderator');
    const incoming = await createUser(t.db, 'moderator');
    await buy(t, a, profile.id, '100');
    await buy(t, b, profile.id, '500');
    await assignInteraction((await interactionOf(a, profile.id)).id, keeper.id);

    const response = await assignProfile(profile.id, incoming.id);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ moderatorId: incoming.id, interactionIds: [(await interactionOf(b, profile.id)).id], releasedPoints: 500 });
    expect(await pointsOf(keeper)).toBe(100);
    expect(await pointsOf(incoming)).toBe(500);
    await buy(t, c, profile.id, '1000');
    expect(await pointsOf(incoming)).toBe(1500);
    expect((await interactionOf(a, profile.id)).moderatorId).toBe(keeper.id);
  });

  it('releases every unhandled interaction of a profile together, each purchase once', async () => {
    const profile = await createProfile(t.db, null);
    const [a, b] = await Promise.all([createUser(t.db, 'client'), createUser(t.db, 'client')]);
    const moderator = await createUser(t.db, 'moderator');
    await buy(t, a, profile.id, '100');
    await buy(t, a, profile.id, '500');
    await buy(t, b, profile.id, '1000');
    const [first, second] = [await interactionOf(a, profile.id), await interactionOf(b, profile.id)];
    expect([first.held, second.held]).toEqual([600, 1000]);

    const response = await assignProfile(profile.id, moderator.id);

    expect(response.body).toEqual({ moderatorId: moderator.id, interactionIds: [first.id, second.id].sort((x, y) => Number(x) - Number(y)), releasedPoints: 1600 });
    expect(await pointsOf(moderator)).toBe(1600);
    expect([await interactionOf(a, profile.id), await interactionOf(b, profile.id)]).toMatchObject([
      { moderatorId: moderator.id, held: 0 },
      { moderatorId: moderator.id, held: 0 },
    ]);
    const releases = await t.db.query<Array<{ interaction_id: string; points: string }>>(
      `SELECT interaction_id, points FROM ledger_transfers WHERE kind = 'release' AND interaction_id = ANY($1) ORDER BY transaction_id`,
      [[first.id, second.id]],
    );
    expect(releases.map((row) => [row.interaction_id, Number(row.points)])).toEqual([
      [first.id, 100],
      [first.id, 500],
      [second.id, 1000],
    ]);
    // The moderator is told of each purchase they now earn, once, as of one credited to them directly.
    const alerts = await t.db.query<Array<{ payload: { clientId: string; points: number; amountCents: number; currency: string; creditedAt: string } }>>(
      `SELECT payload FROM outbox_events WHERE type = 'points.purchased' AND payload->>'moderatorId' = $1 ORDER BY (payload->>'transactionId')::bigint`,
      [moderator.id],
    );
    expect(alerts.map(({ payload }) => [payload.clientId, payload.points, payload.amountCents, payload.currency])).toEqual([
      [a.id, 100, 299, 'eur'],
      [a.id, 500, 999, 'eur'],
      [b.id, 1000, 1699, 'eur'],
    ]);
    expect(alerts.every(({ payload }) => !Number.isNaN(Date.parse(payload.creditedAt)))).toBe(true);
  });

  it('never strands points when a first purchase and a profile assignment happen at the same time', async () => {
    const moderator = await createUser(t.db, 'moderator');
    const profiles = await Promise.all(Array.from({ length: 5 }, () => createProfile(t.db, null)));
    const clients = await Promise.all(profiles.map(() => createUser(t.db, 'client')));

    await Promise.all(profiles.flatMap((profile, i) => [buy(t, clients[i], profile.id, '100'), assignProfile(profile.id, moderator.id)]));

    expect(await pointsOf(moderator)).toBe(500);
    for (const [i, profile] of profiles.entries()) {
      expect(await interactionOf(clients[i], profile.id)).toMatchObject({ moderatorId: moderator.id, held: 0 });
    }
  });

  it('refuses non-admins, non-moderators, unknown targets and bad input, changing nothing', async () => {
    const moderator = await createUser(t.db, 'moderator');
    const client = await createUser(t.db, 'client');
    const profile = await createProfile(t.db, null);

    expect((await assignProfile(profile.id, moderator.id, moderator.token)).status).toBe(403);
    expect((await assignProfile(profile.id, moderator.id, client.token)).status).toBe(403);
    expect((await api(t).put(`/profiles/${profile.id}/moderator`).send({ moderator_id: moderator.id })).status).toBe(401);
    const notModerator = await assignProfile(profile.id, client.id);
    expect(notModerator.status).toBe(422);
    expect(notModerator.body.error).toBe('NOT_A_MODERATOR');
    expect((await assignProfile('987654321', moderator.id)).body.error).toBe('PROFILE_NOT_FOUND');
    expect((await assignInteraction('987654321', moderator.id)).body.error).toBe('INTERACTION_NOT_FOUND');
    expect((await assignInteraction('abc', moderator.id)).status).toBe(404);
    const bad = await api(t, admin.token).put(`/profiles/${profile.id}/moderator`).send({ moderator_id: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/moderator_id must be a user id or null/);

    const [row] = await t.db.query<Array<{ moderator_id: string | null }>>(`SELECT moderator_id FROM profiles WHERE id = $1`, [profile.id]);
    expect(row.moderator_id).toBeNull();
  });

  it('unassigns a profile with null: later purchases are held again', async () => {
    const moderator = await createUser(t.db, 'moderator');
    const profile = await createProfile(t.db, moderator);
    const client = await createUser(t.db, 'client');

    expect((await assignProfile(profile.id, null)).body).toEqual({ moderatorId: null, interactionIds: [], releasedPoints: 0 });
    await buy(t, client, profile.id, '100');

    expect(await interactionOf(client, profile.id)).toMatchObject({ moderatorId: null, held: 100 });
    expect(await pointsOf(moderator)).toBe(0);
  });
});
