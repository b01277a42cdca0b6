import { Logger } from '@nestjs/common';
import { createProfile, createUser, TestUser } from '../factories';
import { ledgerDrift } from '../support/ledger';
import { checkout } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { deliver, shuffle, signedSessionEvent } from '../support/webhooks';

/**
 * Checkout-session webhooks that arrive together share a transaction and are credited set-based.
 * `stripe_events.processed_at` is the transaction's start (`now()`), so events processed together
 * share it: that is how these tests see the batches.
 */
describe('Webhook batches: many credits per commit, each still exactly once', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0', WEBHOOK_BATCH_SIZE: '16', WEBHOOK_BATCH_CONCURRENCY: '2' });
  });
  afterAll(async () => {
    await t.db.query(`DROP TRIGGER IF EXISTS tr_test_poison ON ledger_transfers`);
    await t.db.query(`DROP FUNCTION IF EXISTS test_poison()`);
    await t.close();
  });
  afterEach(async () => {
    await t.emulator.idle();
    expect(await ledgerDrift(t.db)).toEqual([]);
  });

  async function moderatorPoints(moderator: TestUser): Promise<number> {
    const [row] = await t.db.query<Array<{ points: string }>>(`SELECT points FROM users WHERE id = $1`, [moderator.id]);
    return Number(row.points);
  }

  it('applies concurrent deliveries in shared transactions, with several purchases of one interaction in one batch', async () => {
    const moderator = await createUser(t.db, 'moderator');
    const profile = await createProfile(t.db, moderator);
    const clients = await Promise.all(Array.from({ length: 4 }, () => createUser(t.db, 'client')));
    const events: Array<{ payload: string; signature: string }> = [];
    const transactionIds: string[] = [];
    for (let i = 0; i < 40; i++) {
      const { sessionId, transactionId } = await checkout(t, clients[i % clients.length], profile.id, '100');
      transactionIds.push(transactionId);
      const event = await signedSessionEvent(t, sessionId, 'checkout.session.completed');
      events.push(event, event);
    }

    const statuses = await Promise.all(shuffle(events).map((event) => deliver(t, event)));

    expect(statuses).toEqual(Array(80).fill(200));
    expect(await moderatorPoints(moderator)).toBe(4000);
    const balances = await t.db.query<Array<{ points_balance: string }>>(`SELECT points_balance FROM profile_client_interactions WHERE profile_id = $1`, [
      profile.id,
    ]);
    expect(balances.map((row) => Number(row.points_balance))).toEqual([1000, 1000, 1000, 1000]);
    const [batches] = await t.db.query<Array<{ events: number; transactions: number }>>(
      `SELECT count(*)::int AS events, count(DISTINCT processed_at)::int AS transactions FROM stripe_events WHERE transaction_id = ANY($1)`,
      [transactionIds],
    );
    expect(batches.events).toBe(40);
    expect(batches.transactions).toBeLessThan(40);
    const lots = await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM point_lots WHERE transaction_id = ANY($1)`, [transactionIds]);
    expect(lots[0].n).toBe(40);
  });

  it('retries a failed batch one event at a time, so only the failing event is refused', async () => {
    const moderator = await createUser(t.db, 'moderator');
    const profile = await createProfile(t.db, moderator);
    // Two buyers: a client may have at most 10 open checkouts.
    const clients = [await createUser(t.db, 'client'), await createUser(t.db, 'client')];
    const purchases = [];
    for (let i = 0; i < 12; i++) purchases.push(await checkout(t, clients[i % 2], profile.id, '100'));
    const poisoned = purchases[5].transactionId;
    // The database refuses this one purchase's credit, as a failing disk or a bug would.
    await t.db.query(`
      CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.transaction_id = ${Number(poisoned)} THEN RAISE EXCEPTION 'poisoned purchase'; END IF;
        RETURN NEW;
      END $$`);
    await t.db.query(`CREATE TRIGGER tr_test_poison BEFORE INSERT ON ledger_transfers FOR EACH ROW EXECUTE FUNCTION test_poison()`);
    const events = await Promise.all(purchases.map((purchase) => signedSessionEvent(t, purchase.sessionId, 'checkout.session.completed')));

    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const statuses = await Promise.all(events.map((event) => deliver(t, event)));

    // The poisoned event failed a batch with others in it, and those were then applied one by one.
    expect(warnings.mock.calls.some(([message]) => String(message).includes('applying them one by one'))).toBe(true);
    warnings.mockRestore();
    expect(statuses.filter((status) => status === 200)).toHaveLength(11);
    expect(statuses[5]).toBe(500);
    expect(await moderatorPoints(moderator)).toBe(1100);
    const [left] = await t.db.query<Array<{ status: string; events: number }>>(
      `SELECT t.status, (SELECT count(*)::int FROM stripe_events e WHERE e.transaction_id = t.id) AS events FROM profile_point_transactions t WHERE t.id = $1`,
      [poisoned],
    );
    expect(left).toEqual({ status: 'pending', events: 0 });

    await t.db.query(`DROP TRIGGER tr_test_poison ON ledger_transfers`);
    await t.db.query(`DROP FUNCTION test_poison()`);
    expect(await deliver(t, events[5])).toBe(200);
    expect(await moderatorPoints(moderator)).toBe(1200);
  });
});
