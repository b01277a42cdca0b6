import { createProfile, createScenario, createUser } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { checkout } from '../support/purchases';
import { deliver, shuffle, signedSessionEvent } from '../support/webhooks';

describe('Exactly-once crediting under concurrent deliveries (real PostgreSQL)', () => {
  const t = appWithBalancedLedger();

  it('credits once when one event arrives 10 times at once together with async_payment_succeeded', async () => {
    const { moderator, profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '500');
    const completed = await signedSessionEvent(t, sessionId, 'checkout.session.completed');
    const asyncSucceeded = await signedSessionEvent(t, sessionId, 'checkout.session.async_payment_succeeded');

    const statuses = await Promise.all([...Array.from({ length: 10 }, () => deliver(t, completed)), deliver(t, asyncSucceeded)]);

    expect(statuses).toEqual(Array(11).fill(200));
    const [user] = await t.db.query<Array<{ points: string }>>(`SELECT points FROM users WHERE id = $1`, [moderator.id]);
    expect(user.points).toBe('500');
    const transfers = await t.db.query<Array<{ kind: string }>>(`SELECT kind FROM ledger_transfers WHERE transaction_id = $1 ORDER BY id`, [transactionId]);
    expect(transfers.map((row) => row.kind)).toEqual(['purchase', 'attribution']);
    const events = await t.db.query<Array<{ id: string; outcome: string }>>(`SELECT id, outcome FROM stripe_events WHERE transaction_id = $1 ORDER BY id`, [transactionId]);
    expect(events.map((row) => row.outcome).sort()).toEqual(['already_final', 'credited']);
    const outbox = await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM outbox_events WHERE payload->>'transactionId' = $1`, [transactionId]);
    expect(outbox[0].n).toBe(2);
  });

  it('keeps every balance exact for 50 purchases across 5 moderators delivered twice, shuffled, concurrently', async () => {
    const moderators = await Promise.all(Array.from({ length: 5 }, () => createUser(t.db, 'moderator')));
    const profiles = await Promise.all(moderators.map((moderator, i) => createProfile(t.db, moderator, `Profile ${i}`)));
    const clients = await Promise.all(Array.from({ length: 10 }, () => createUser(t.db, 'client')));
    const packs = ['100', '500', '1000'];
    const expectedByModerator = new Map<string, number>(moderators.map((moderator) => [moderator.id, 0]));
    const events: Array<{ payload: string; signature: string }> = [];

    for (let i = 0; i < 50; i++) {
      const profile = profiles[i % profiles.length];
      const pack = packs[i % packs.length];
      const { sessionId } = await checkout(t, clients[i % clients.length], profile.id, pack);
      const event = await signedSessionEvent(t, sessionId, 'checkout.session.completed');
      events.push(event, event);
      expectedByModerator.set(profile.moderatorId!, expectedByModerator.get(profile.moderatorId!)! + Number(pack));
    }

    const statuses = await Promise.all(shuffle(events).map((event) => deliver(t, event)));

    expect(statuses.every((status) => status === 200)).toBe(true);
    const rows = await t.db.query<Array<{ id: string; points: string }>>(`SELECT id, points FROM users WHERE id = ANY($1)`, [moderators.map((m) => m.id)]);
    expect(new Map(rows.map((row) => [row.id, Number(row.points)]))).toEqual(expectedByModerator);
    const [completed] = await t.db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM profile_point_transactions WHERE profile_id = ANY($1) AND status = 'completed'`,
      [profiles.map((p) => p.id)],
    );
    expect(completed.n).toBe(50);
  });
});
