import { runMigrationsLocked } from '../../src/database/data-source-options';
import { createProfile, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { buy } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Purchases credited before lots existed get their lots from the migration: the newest purchases
 * hold what is still unspent, and the rest of each is split between taken back (up to what its
 * refunds and disputes reversed) and spent. Run on a database of its own, whose migrations are
 * reverted and re-applied.
 */
describe('Lots migration: purchases credited before lots existed', () => {
  let database: IsolatedDatabase;
  let t: TestApp;

  beforeAll(async () => {
    database = await createIsolatedDatabase('lots_backfill');
    t = await startTestApp({ DATABASE_URL: database.url, RECONCILE_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  async function spend(client: TestUser, profileId: string, points: number, key: string): Promise<void> {
    const response = await api(t, client.token).post('/profile-points/spend').send({ profile_id: profileId, points, reason: 'message', idempotency_key: key });
    expect(response.status).toBe(200);
  }

  it('rebuilds lots that agree with every balance', async () => {
    const moderator = await createUser(t.db, 'moderator');
    const profile = await createProfile(t.db, moderator);
    const client = await createUser(t.db, 'client');
    const a = await buy(t, client, profile.id, '500');
    const b = await buy(t, client, profile.id, '100');
    await spend(client, profile.id, 450, 'backfill-1');
    // 200 of 999 cents back: ⌈500 × 200 / 999⌉ = 101 points. Balance 600 − 450 − 101 = 49.
    await t.emulator.refund(a.paymentIntentId, 200);

    const debtor = await createUser(t.db, 'client');
    const c = await buy(t, debtor, profile.id, '100');
    await spend(debtor, profile.id, 100, 'backfill-2');
    await t.emulator.refund(c.paymentIntentId);
    await t.emulator.idle();

    const migrations = database.db.migrations.map((migration) => migration.name);
    const lotsAt = migrations.indexOf('PointLots1764400000000');
    for (let i = migrations.length - 1; i >= lotsAt; i--) await database.db.undoLastMigration({ transaction: 'each' });
    expect(await database.db.query(`SELECT to_regclass('point_lots') AS lots`)).toEqual([{ lots: null }]);
    await runMigrationsLocked(database.db);

    const lots = await database.db.query<Array<{ transaction_id: string; remaining: string; spent: string; taken: string }>>(
      `SELECT transaction_id, remaining, spent, taken FROM point_lots ORDER BY id`,
    );
    const byPurchase = new Map(lots.map((lot) => [lot.transaction_id, { remaining: Number(lot.remaining), spent: Number(lot.spent), taken: Number(lot.taken) }]));
    expect(byPurchase.get(a.transactionId)).toEqual({ remaining: 0, spent: 399, taken: 101 });
    expect(byPurchase.get(b.transactionId)).toEqual({ remaining: 49, spent: 51, taken: 0 });
    // Balance −100: nothing unspent, all of it spent before the refund.
    expect(byPurchase.get(c.transactionId)).toEqual({ remaining: 0, spent: 100, taken: 0 });
    expect(await ledgerDrift(database.db)).toEqual([]);

    // And the service goes on from there.
    await spend(client, profile.id, 49, 'backfill-3');
    expect(await ledgerDrift(database.db)).toEqual([]);
  });
});
