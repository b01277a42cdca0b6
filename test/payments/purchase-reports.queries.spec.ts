import { EntityManager } from 'typeorm';
import { PurchaseReportsQueries } from '../../src/payments/purchase-reports.queries';
import { PurchaseSql } from '../../src/payments/purchases.sql';
import { PurchaseSearchQueries } from '../../src/payments/purchase-search.queries';
import { PurchaseStatus } from '../../src/payments/purchase-status';
import { createScenario } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

interface Row {
  status: PurchaseStatus;
  currency?: string;
  points?: number;
  amountCents?: number;
  refundedPoints?: number;
  refundedCents?: number;
  createdAt: string;
  creditedAt?: string | null;
  failureReason?: string | null;
}

/** The payments module's read-only query services, on the run's database, each test rolled back. */
describe('PurchaseReportsQueries and PurchaseSearchQueries', () => {
  const owner = useOwnerDatabase();
  let reports: PurchaseReportsQueries;
  let search: PurchaseSearchQueries;
  let cast: Awaited<ReturnType<typeof createScenario>>;

  beforeAll(async () => {
    reports = new PurchaseReportsQueries(owner.transactions);
    search = new PurchaseSearchQueries(owner.transactions);
    cast = await createScenario(owner.db);
  });

  const insert = async (db: EntityManager, row: Row): Promise<string> => {
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO profile_point_transactions
         (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, currency, status, refunded_points,
          stripe_amount_refunded_cents, created_at, credited_at, failure_reason)
       VALUES ($1, $2, $3, 'p', $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        cast.client.id,
        cast.profile.id,
        cast.moderator.id,
        row.points ?? 100,
        row.amountCents ?? 500,
        row.currency ?? 'eur',
        row.status,
        row.refundedPoints ?? 0,
        row.refundedCents ?? 0,
        row.createdAt,
        row.creditedAt ?? null,
        row.failureReason ?? null,
      ],
    );
    return id;
  };

  it('sums revenue by currency over purchases credited in the range, refunds included, minor units as integers', async () => {
    await owner.rolledBack(async (db) => {
      // A day of 2001 that no other test writes to.
      await insert(db, { status: PurchaseStatus.Completed, currency: 'eur', points: 100, amountCents: 500, createdAt: '2001-03-01T10:00Z', creditedAt: '2001-03-01T10:01Z' });
      await insert(db, {
        status: PurchaseStatus.Refunded,
        currency: 'eur',
        points: 300,
        amountCents: 1200,
        refundedPoints: 300,
        refundedCents: 1200,
        createdAt: '2001-03-01T11:00Z',
        creditedAt: '2001-03-01T11:01Z',
      });
      await insert(db, { status: PurchaseStatus.Completed, currency: 'jpy', points: 50, amountCents: 700, createdAt: '2001-03-01T12:00Z', creditedAt: '2001-03-01T12:01Z' });
      await insert(db, { status: PurchaseStatus.Completed, currency: 'eur', points: 999, amountCents: 999, createdAt: '2001-03-01T23:00Z', creditedAt: '2001-03-02T00:00Z' });
      await insert(db, { status: PurchaseStatus.Pending, createdAt: '2001-03-01T13:00Z' });

      const revenue = await reports.revenueByCurrency(new Date('2001-03-01T00:00Z'), new Date('2001-03-02T00:00Z'));
      expect(revenue).toEqual([
        { currency: 'eur', purchases: 2, points: 400, refundedPoints: 300, grossCents: 1700, refundedCents: 1200 },
        { currency: 'jpy', purchases: 1, points: 50, refundedPoints: 0, grossCents: 700, refundedCents: 0 },
      ]);
    });
  });

  it('counts purchases created in the range by status, every status present', async () => {
    await owner.rolledBack(async (db) => {
      await insert(db, { status: PurchaseStatus.Failed, createdAt: '2001-04-01T10:00Z', failureReason: 'amount_mismatch' });
      await insert(db, { status: PurchaseStatus.Expired, createdAt: '2001-04-01T11:00Z' });
      await insert(db, { status: PurchaseStatus.Expired, createdAt: '2001-04-01T12:00Z' });
      await insert(db, { status: PurchaseStatus.Expired, createdAt: '2001-04-02T00:00Z' });

      expect(await reports.statusCounts(new Date('2001-04-01T00:00Z'), new Date('2001-04-02T00:00Z'))).toEqual({
        pending: 0,
        completed: 0,
        failed: 1,
        expired: 2,
        refunded: 0,
      });
    });
  });

  it('counts stale pending purchases and recent paid-but-refused ones', async () => {
    await owner.rolledBack(async (db) => {
      const before = await reports.mismatchCounts(60, 24);
      const now = Date.now();
      await insert(db, { status: PurchaseStatus.Pending, createdAt: new Date(now - 121_000).toISOString() });
      await insert(db, { status: PurchaseStatus.Pending, createdAt: new Date(now - 60_000).toISOString() });
      await insert(db, { status: PurchaseStatus.Failed, failureReason: 'currency_mismatch', createdAt: new Date(now - 3_600_000).toISOString() });
      await insert(db, { status: PurchaseStatus.Failed, failureReason: 'amount_mismatch', createdAt: new Date(now - 25 * 3_600_000).toISOString() });
      await insert(db, { status: PurchaseStatus.Failed, failureReason: 'async_payment_failed', createdAt: new Date(now - 60_000).toISOString() });

      const after = await reports.mismatchCounts(60, 24);
      expect(after).toEqual({ stalePending: before.stalePending + 1, paidNotCredited: before.paidNotCredited + 1 });
    });
  });

  it('lists credited purchases for the verifier through its SQL', async () => {
    await owner.rolledBack(async (db) => {
      const credited = await insert(db, { status: PurchaseStatus.Refunded, points: 70, createdAt: '2001-05-01T00:00Z', creditedAt: '2001-05-01T00:00Z' });
      const pending = await insert(db, { status: PurchaseStatus.Pending, createdAt: '2001-05-01T00:00Z' });
      const rows = await db.query<Array<{ id: string; points_amount: string }>>(`SELECT * FROM (${PurchaseSql.credited}) t WHERE t.id = ANY($1)`, [
        [credited, pending],
      ]);
      expect(rows).toEqual([{ id: credited, points_amount: '70' }]);
    });
  });

  it('searches with every filter as a keyset page, newest first', async () => {
    await owner.rolledBack(async (db) => {
      const ids: string[] = [];
      for (const hour of ['10', '11', '12', '13']) {
        ids.push(await insert(db, { status: PurchaseStatus.Completed, createdAt: `2001-06-01T${hour}:00Z`, creditedAt: `2001-06-01T${hour}:00Z` }));
      }
      await insert(db, { status: PurchaseStatus.Failed, createdAt: '2001-06-01T12:30Z' });
      const filter = {
        status: PurchaseStatus.Completed,
        clientId: cast.client.id,
        profileId: cast.profile.id,
        moderatorId: cast.moderator.id,
        from: new Date('2001-06-01T11:00Z'),
        to: new Date('2001-06-01T13:00Z'),
      };

      const first = await search.find(filter, undefined, 1);
      expect(first.map((row) => row.id)).toEqual([ids[2]]);
      const next = await search.find(filter, first[0].id, 5);
      expect(next.map((row) => row.id)).toEqual([ids[1]]);
      expect(await search.find({ ...filter, moderatorId: cast.client.id }, undefined, 5)).toEqual([]);
    });
  });

  it('finds stuck purchases: pending past the delay, or failed, newest first', async () => {
    await owner.rolledBack(async (db) => {
      const old = await insert(db, { status: PurchaseStatus.Pending, createdAt: new Date(Date.now() - 10 * 60_000).toISOString() });
      const fresh = await insert(db, { status: PurchaseStatus.Pending, createdAt: new Date().toISOString() });
      const failed = await insert(db, { status: PurchaseStatus.Failed, createdAt: new Date().toISOString() });

      const stuck = (await search.stuck(300, undefined, 1000)).map((row) => row.id);
      expect(stuck).toEqual(expect.arrayContaining([old, failed]));
      expect(stuck).not.toContain(fresh);
      expect(stuck.indexOf(failed)).toBeLessThan(stuck.indexOf(old));
    });
  });
});
