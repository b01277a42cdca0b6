import { createProfile, createUser, TestProfile, TestUser } from '../factories';
import { api } from '../support/http';
import { ledgerDrift } from '../support/ledger';
import { buy, checkout } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { sleep } from '../support/wait';
import { deliver, shuffle, signedSessionEvent } from '../support/webhooks';
import { report } from '../support/captured-logs';

const ROUNDS = 16;
/** Clients per round who already have an interaction with the profile, and clients who buy their first pack. */
const RETURNING = 3;
const NEWCOMERS = 3;
const PACK = { code: '100', points: 100 };

interface Round {
  profile: TestProfile;
  returning: TestUser[];
  newcomers: TestUser[];
  /** The payment of a returning client's first pack, refunded during the round. */
  refunded?: string;
}

/**
 * Assignments and crediting batches on the same profiles at the same time. Every round gives a
 * profile without a moderator interactions whose points are held, then at once: a batch of
 * webhooks that credits those interactions and creates new ones, the profile's assignment, and
 * the reassignment of one interaction. With the locks taken in different orders (interactions
 * before the profile in a batch, the profile before its interactions in an assignment), some
 * round deadlocks: PostgreSQL aborts one side after deadlock_timeout.
 */
describe('Lock order: assignments and crediting batches on the same profiles', () => {
  let t: TestApp;
  let admin: TestUser;
  let first: TestUser;
  let second: TestUser;
  const bought = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0', WEBHOOK_BATCH_SIZE: '16', WEBHOOK_BATCH_CONCURRENCY: '2' });
    admin = await createUser(t.db, 'admin');
    first = await createUser(t.db, 'moderator');
    second = await createUser(t.db, 'moderator');
  });
  afterAll(async () => {
    await t.close();
  });

  async function deadlocks(): Promise<number> {
    await t.db.query(`SELECT pg_stat_clear_snapshot()`);
    const [row] = await t.db.query<Array<{ deadlocks: string }>>(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`);
    return Number(row.deadlocks);
  }

  function record(client: TestUser, profile: TestProfile, points: number): void {
    bought.set(`${client.id}:${profile.id}`, (bought.get(`${client.id}:${profile.id}`) ?? 0) + points);
  }

  /** Signed `checkout.session.completed` events for one pack bought by each client. */
  async function purchases(clients: TestUser[], profile: TestProfile) {
    const sessions = await Promise.all(clients.map((client) => checkout(t, client, profile.id, PACK.code)));
    for (const client of clients) record(client, profile, PACK.points);
    return Promise.all(sessions.map((session) => signedSessionEvent(t, session.sessionId, 'checkout.session.completed')));
  }

  async function interactionOf(client: TestUser, profile: TestProfile): Promise<string> {
    const [row] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2`, [
      client.id,
      profile.id,
    ]);
    return row.id;
  }

  it('never deadlocks, and leaves every balance exact', async () => {
    const started = Date.now();
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const profile = await createProfile(t.db, null);
      const returning = await Promise.all(Array.from({ length: RETURNING }, () => createUser(t.db, 'client')));
      const newcomers = await Promise.all(Array.from({ length: NEWCOMERS }, () => createUser(t.db, 'client')));
      rounds.push({ profile, returning, newcomers });
    }
    // The returning clients' first packs: their interactions exist, nobody handles them, points held.
    const earlier = (await Promise.all(rounds.map((round) => purchases(round.returning.slice(1), round.profile)))).flat();
    expect(await Promise.all(earlier.map((event) => deliver(t, event)))).toEqual(earlier.map(() => 200));
    await Promise.all(
      rounds.map(async (round) => {
        round.refunded = (await buy(t, round.returning[0], round.profile.id, PACK.code)).paymentIntentId;
        record(round.returning[0], round.profile, PACK.points);
      }),
    );
    const before = await deadlocks();
    const raced = Date.now();

    const statuses: number[] = [];
    for (const round of rounds) {
      const events = shuffle(await purchases([...round.returning, ...round.newcomers], round.profile));
      const reassigned = await interactionOf(round.returning[0], round.profile);
      record(round.returning[0], round.profile, -PACK.points);
      const answers = await Promise.all([
        ...events.map((event) => deliver(t, event)),
        // A delivery without a status never got an answer: counted as a failure.
        t.emulator.refund(round.refunded!).then((deliveries) => deliveries.map((delivery) => delivery.status ?? 599)),
        sleep(Math.random() * 4).then(() => api(t, admin.token).put(`/profiles/${round.profile.id}/moderator`).send({ moderator_id: first.id })),
        sleep(Math.random() * 4).then(() => api(t, admin.token).put(`/interactions/${reassigned}/moderator`).send({ moderator_id: second.id })),
      ]);
      statuses.push(...answers.flatMap((answer) => (typeof answer === 'number' || Array.isArray(answer) ? answer : answer.status)));
    }

    const done = Date.now();
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    // A backend reports its statistics at most once a second.
    await sleep(1500);
    expect((await deadlocks()) - before).toBe(0);

    // Exact balances: each client has every point bought, nothing is held, the two moderators earned all of it.
    const interactions = await t.db.query<Array<{ client_id: string; profile_id: string; points_balance: string; held_points: string; moderator_id: string }>>(
      `SELECT client_id, profile_id, points_balance, held_points, moderator_id FROM profile_client_interactions WHERE profile_id = ANY($1)`,
      [rounds.map((round) => round.profile.id)],
    );
    expect(interactions).toHaveLength(ROUNDS * (RETURNING + NEWCOMERS));
    for (const interaction of interactions) {
      expect(Number(interaction.points_balance)).toBe(bought.get(`${interaction.client_id}:${interaction.profile_id}`) ?? 0);
      expect(Number(interaction.held_points)).toBe(0);
      expect([first.id, second.id]).toContain(interaction.moderator_id);
    }
    const [earned] = await t.db.query<Array<{ points: string }>>(`SELECT sum(points) AS points FROM users WHERE id = ANY($1)`, [[first.id, second.id]]);
    expect(Number(earned.points)).toBe([...bought.values()].reduce((sum, points) => sum + points, 0));
    expect(await ledgerDrift(t.db)).toEqual([]);
    report(`lock order: ${ROUNDS} rounds in ${done - raced} ms (setup ${raced - started} ms)`);
  }, 60_000);

  /**
   * The paths added with payouts on the same interactions at once: an early fraud warning (stripe
   * event → purchase → interaction → lot), its release (purchase → interaction → lot), a grant
   * (interaction → lots), spends (interaction → lots), a refund (purchase → interaction → lots →
   * moderator), a reassignment (interaction → lots → moderator) and a payout run (its own lock,
   * reading only). Any two taking locks in opposite orders would deadlock in some round.
   */
  it('never deadlocks with early fraud warnings, releases, grants, spends, refunds, reassignments and payout runs', async () => {
    const rounds = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const profile = await createProfile(t.db, first);
        const client = await createUser(t.db, 'client');
        return { profile, client };
      }),
    );
    const bought = await Promise.all(
      rounds.map(async ({ profile, client }) => ({ warned: await buy(t, client, profile.id, '500'), refunded: await buy(t, client, profile.id, '500') })),
    );
    const before = await deadlocks();
    const statuses: number[] = [];
    const status = (answer: number | number[] | { status: number }) => (typeof answer === 'number' || Array.isArray(answer) ? answer : answer.status);
    let key = 0;
    const spend = (i: number, points: number) =>
      api(t, rounds[i].client.token).post('/profile-points/spend').send({ profile_id: rounds[i].profile.id, points, reason: 'message', idempotency_key: `race-${++key}` });
    const grant = (i: number) =>
      api(t, admin.token).post('/admin/grants').send({ client_id: rounds[i].client.id, profile_id: rounds[i].profile.id, points: 20, reason: 'race', idempotency_key: `race-${++key}` });

    for (let i = 0; i < rounds.length; i++) {
      const interaction = await interactionOf(rounds[i].client, rounds[i].profile);
      const answers = await Promise.all([
        t.emulator.earlyFraudWarning(bought[i].warned.chargeId).then((deliveries) => deliveries.map((delivery) => delivery.status ?? 599)),
        grant(i),
        spend(i, 30),
        spend(i, 700),
        t.emulator.refund(bought[i].refunded.paymentIntentId, 500).then((deliveries) => deliveries.map((delivery) => delivery.status ?? 599)),
        sleep(Math.random() * 4).then(() => api(t, admin.token).put(`/interactions/${interaction}/moderator`).send({ moderator_id: second.id })),
        api(t, admin.token).post('/admin/payout-runs').send({ until: new Date().toISOString() }),
      ]);
      statuses.push(...answers.flatMap(status));
      const [{ fraud_warning_id: warningId }] = await t.db.query<Array<{ fraud_warning_id: string }>>(
        `SELECT fraud_warning_id FROM profile_point_transactions WHERE id = $1`,
        [bought[i].warned.transactionId],
      );
      const again = await Promise.all([
        api(t, admin.token).post(`/admin/fraud-warnings/${warningId}/release`),
        grant(i),
        spend(i, 40),
        t.emulator.refund(bought[i].warned.paymentIntentId, 100).then((deliveries) => deliveries.map((delivery) => delivery.status ?? 599)),
        sleep(Math.random() * 4).then(() => api(t, admin.token).put(`/interactions/${interaction}/moderator`).send({ moderator_id: first.id })),
      ]);
      statuses.push(...again.flatMap(status));
    }

    expect(statuses.filter((answer) => answer >= 500)).toEqual([]);
    await sleep(1500);
    expect((await deadlocks()) - before).toBe(0);
    expect(await ledgerDrift(t.db)).toEqual([]);
  }, 60_000);
});
