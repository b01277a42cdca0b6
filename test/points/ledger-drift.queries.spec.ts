import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { LedgerAccount, LedgerFigure } from '../../src/points/ledger-accounts';
import { ledgerDrift } from '../support/ledger';
import { useOwnerDatabase } from '../support/owner-database';
import { createInteraction, TestInteraction } from './interactions';

type Kind = 'purchase' | 'attribution' | 'hold' | 'release' | 'reversal' | 'restore' | 'spend';
type EntryKind = 'spend' | 'reversal' | 'absorb' | 'restore';

/**
 * The ledger check (what `npm run ledger:verify` and every e2e suite's afterEach run): each cached
 * balance against the ledger, total_points_received, and the lots against the balances and their
 * own entries. It reads whole tables, so the suite has a scratch database of its own: whatever it
 * reports was written by the test (each one rolled back).
 */
describe('ledgerDrift', () => {
  const owner = useOwnerDatabase({ ownDatabase: 'ledgerdrift' });

  beforeAll(async () => {
    // Accounts are ordered as text: ids of one length keep that the order of their creation.
    for (const table of ['profile_point_transactions', 'profile_client_interactions', 'point_spends']) {
      await owner.db.query(`ALTER TABLE ${table} ALTER COLUMN id RESTART WITH 1000000`);
    }
  });

  const transfer = (db: EntityManager, kind: Kind, debit: string, credit: string, points: number, refs: { transactionId?: string; interactionId?: string } = {}) =>
    db.query(
      `INSERT INTO ledger_transfers (transfer_key, kind, debit_account, credit_account, points, transaction_id, interaction_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [`test:${randomUUID()}`, kind, debit, credit, points, refs.transactionId ?? null, refs.interactionId ?? null],
    );

  const purchase = async (db: EntityManager, c: TestInteraction, points: number, status = 'completed'): Promise<string> => {
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO profile_point_transactions (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, currency, status, credited_at)
       VALUES ($1, $2, $3, $4::text, $4::bigint, 299, 'eur', $5::text, CASE WHEN $5::text IN ('completed', 'refunded') THEN now() END) RETURNING id`,
      [c.clientId, c.profileId, c.moderatorId, points, status],
    );
    return id;
  };

  /** A purchase's lot, its parts as given (the table's CHECK wants them to add up to `points`). */
  const lot = async (db: EntityManager, c: TestInteraction, transactionId: string, parts: { points: number; remaining: number; spent?: number; taken?: number }) => {
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO point_lots (transaction_id, interaction_id, moderator_id, points, amount_cents, currency, remaining, spent, taken)
       VALUES ($1, $2, $3, $4, 299, 'eur', $5, $6, $7) RETURNING id`,
      [transactionId, c.interactionId, c.moderatorId, parts.points, parts.remaining, parts.spent ?? 0, parts.taken ?? 0],
    );
    return id;
  };

  const entry = (db: EntityManager, lotId: string, kind: EntryKind, points: number, spendId: string | null = null) =>
    db.query(`INSERT INTO point_lot_entries (lot_id, kind, points, spend_id, source_key) VALUES ($1, $2, $3, $4, $5)`, [
      lotId,
      kind,
      points,
      spendId,
      `test:${randomUUID()}`,
    ]);

  const spend = async (db: EntityManager, c: TestInteraction, points: number, balanceAfter: number): Promise<string> => {
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO point_spends (client_id, profile_id, interaction_id, points, reason, idempotency_key, balance_after)
       VALUES ($1, $2, $3, $4, 'message', $5, $6) RETURNING id`,
      [c.clientId, c.profileId, c.interactionId, points, `test:${randomUUID()}`, balanceAfter],
    );
    return id;
  };

  const cache = async (db: EntityManager, c: TestInteraction, cached: { balance?: number; held?: number; received?: number; moderator?: number }) => {
    await db.query(
      `UPDATE profile_client_interactions
          SET points_balance = coalesce($2, points_balance), held_points = coalesce($3, held_points), total_points_received = coalesce($4, total_points_received)
        WHERE id = $1`,
      [c.interactionId, cached.balance ?? null, cached.held ?? null, cached.received ?? null],
    );
    if (cached.moderator !== undefined) await db.query(`UPDATE users SET points = $2 WHERE id = $1`, [c.moderatorId, cached.moderator]);
  };

  /**
   * An interaction as the service leaves it after a purchase of 100 points (held, then released to
   * the moderator) and a spend of 30: every cache, the lot and the spend agree with the ledger.
   */
  async function healthy(db: EntityManager) {
    const c = await createInteraction(db);
    const transactionId = await purchase(db, c, 100);
    const refs = { transactionId, interactionId: c.interactionId };
    await transfer(db, 'purchase', LedgerAccount.stripeSales, LedgerAccount.client(c.interactionId), 100, refs);
    await transfer(db, 'hold', LedgerAccount.platformEarnings, LedgerAccount.held(c.interactionId), 100, refs);
    await transfer(db, 'release', LedgerAccount.held(c.interactionId), LedgerAccount.moderator(c.moderatorId), 100, refs);
    await transfer(db, 'spend', LedgerAccount.client(c.interactionId), LedgerAccount.platformSpent, 30, { interactionId: c.interactionId });
    const spendId = await spend(db, c, 30, 70);
    const lotId = await lot(db, c, transactionId, { points: 100, remaining: 70, spent: 30 });
    await entry(db, lotId, 'spend', 30, spendId);
    await cache(db, c, { balance: 70, held: 0, received: 100, moderator: 100 });
    return { c, transactionId, lotId, spendId };
  }

  it('finds nothing when every cache, lot and spend agrees with the ledger, whatever the source accounts hold', async () => {
    await owner.rolledBack(async (db) => {
      await healthy(db);
      // The sources are never cached: their balances are not drift.
      const [sources] = await db.query<Array<{ sales: string; earnings: string; spent: string }>>(
        `SELECT sum(CASE WHEN credit_account = $1 THEN points ELSE 0 END) - sum(CASE WHEN debit_account = $1 THEN points ELSE 0 END) AS sales,
                sum(CASE WHEN credit_account = $2 THEN points ELSE 0 END) - sum(CASE WHEN debit_account = $2 THEN points ELSE 0 END) AS earnings,
                sum(CASE WHEN credit_account = $3 THEN points ELSE 0 END) - sum(CASE WHEN debit_account = $3 THEN points ELSE 0 END) AS spent
           FROM ledger_transfers`,
        [LedgerAccount.stripeSales, LedgerAccount.platformEarnings, LedgerAccount.platformSpent],
      );
      expect(sources).toEqual({ sales: '-100', earnings: '-100', spent: '30' });

      expect(await ledgerDrift(db)).toEqual([]);
    });
  });

  it("reports a moderator's cached points that differ from the ledger", async () => {
    await owner.rolledBack(async (db) => {
      const { c } = await healthy(db);
      await cache(db, c, { moderator: 90 });

      expect(await ledgerDrift(db)).toEqual([{ account: LedgerAccount.moderator(c.moderatorId), ledger: 100, cached: 90 }]);
    });
  });

  it('reports held points cached without a movement on the held account', async () => {
    await owner.rolledBack(async (db) => {
      const { c } = await healthy(db);
      await cache(db, c, { held: 5 });

      expect(await ledgerDrift(db)).toEqual([{ account: LedgerAccount.held(c.interactionId), ledger: 0, cached: 5 }]);
    });
  });

  it("reports a client's cached balance that differs from the ledger, and the lots that no longer hold it", async () => {
    await owner.rolledBack(async (db) => {
      const { c } = await healthy(db);
      await cache(db, c, { balance: 75 });

      expect(await ledgerDrift(db)).toEqual([
        { account: LedgerAccount.client(c.interactionId), ledger: 70, cached: 75 },
        { account: LedgerFigure.lots(c.interactionId), ledger: 75, cached: 70 },
      ]);
    });
  });

  it('reports points moved on an account nothing caches, and cached points with no movement at all', async () => {
    await owner.rolledBack(async (db) => {
      const { c } = await healthy(db);
      // A client has no cached points (users.points is a moderator's): the ledger's 5 are drift.
      await transfer(db, 'attribution', LedgerAccount.platformEarnings, LedgerAccount.moderator(c.clientId), 5);
      const idle = await createInteraction(db);
      await cache(db, idle, { moderator: 7 });

      expect(await ledgerDrift(db)).toEqual([
        { account: LedgerAccount.moderator(c.clientId), ledger: 5, cached: 0 },
        { account: LedgerAccount.moderator(idle.moderatorId), ledger: 0, cached: 7 },
      ]);
    });
  });

  it('recomputes total_points_received from purchases, reversals and restores of the client account, not from spends', async () => {
    await owner.rolledBack(async (db) => {
      const { c, transactionId, lotId } = await healthy(db);
      const refs = { transactionId, interactionId: c.interactionId };
      await transfer(db, 'reversal', LedgerAccount.client(c.interactionId), LedgerAccount.stripeSales, 20, refs);
      await transfer(db, 'restore', LedgerAccount.stripeSales, LedgerAccount.client(c.interactionId), 5, refs);
      await entry(db, lotId, 'reversal', 20);
      await entry(db, lotId, 'restore', 5);
      await db.query(`UPDATE point_lots SET remaining = 55, taken = 15 WHERE id = $1`, [lotId]);
      // The balance follows (100 - 30 - 20 + 5); total_points_received still says 100.
      await cache(db, c, { balance: 55 });

      expect(await ledgerDrift(db)).toEqual([{ account: LedgerFigure.received(c.interactionId), ledger: 85, cached: 100 }]);

      await cache(db, c, { received: 85 });
      expect(await ledgerDrift(db)).toEqual([]);
    });
  });

  it('wants the unspent points of the lots to be the balance, and none when the balance is a debt', async () => {
    await owner.rolledBack(async (db) => {
      // Everything spent, then 10 reversed: the client owes 10, the lot holds nothing.
      const debtor = await createInteraction(db);
      const transactionId = await purchase(db, debtor, 100);
      const refs = { transactionId, interactionId: debtor.interactionId };
      await transfer(db, 'purchase', LedgerAccount.stripeSales, LedgerAccount.client(debtor.interactionId), 100, refs);
      await transfer(db, 'spend', LedgerAccount.client(debtor.interactionId), LedgerAccount.platformSpent, 100, { interactionId: debtor.interactionId });
      await transfer(db, 'reversal', LedgerAccount.client(debtor.interactionId), LedgerAccount.stripeSales, 10, refs);
      const spendId = await spend(db, debtor, 100, 0);
      await entry(db, await lot(db, debtor, transactionId, { points: 100, remaining: 0, spent: 100 }), 'spend', 100, spendId);
      await cache(db, debtor, { balance: -10, received: 90 });

      expect(await ledgerDrift(db)).toEqual([]);

      // A lot that holds 60 of a balance of 70, its other 10 taken without an entry.
      const short = await healthy(db);
      await db.query(`UPDATE point_lots SET remaining = 60, taken = 10 WHERE id = $1`, [short.lotId]);

      expect(await ledgerDrift(db)).toEqual([
        { account: LedgerFigure.lots(short.c.interactionId), ledger: 70, cached: 60 },
        { account: `lot:${short.transactionId}:taken`, ledger: 0, cached: 10 },
      ]);
    });
  });

  it('reports every credited purchase (completed or refunded since) without its lot, and no other', async () => {
    await owner.rolledBack(async (db) => {
      const c = await createInteraction(db);
      const completed = await purchase(db, c, 100, 'completed');
      const refunded = await purchase(db, c, 500, 'refunded');
      for (const status of ['pending', 'failed', 'expired']) await purchase(db, c, 1000, status);

      expect(await ledgerDrift(db)).toEqual([
        { account: `lot:${completed}:missing`, ledger: 100, cached: 0 },
        { account: `lot:${refunded}:missing`, ledger: 500, cached: 0 },
      ]);
    });
  });

  it('checks each part of a lot against its entries: spent from spends, taken from reversals and absorbs less restores', async () => {
    await owner.rolledBack(async (db) => {
      // No transfers and no balance: only the lots and their entries are looked at.
      const c = await createInteraction(db);
      const [agrees, spentDiffers, takenDiffers] = [await purchase(db, c, 100), await purchase(db, c, 100), await purchase(db, c, 100)];

      const first = await lot(db, c, agrees, { points: 100, remaining: 0, spent: 30, taken: 70 });
      await entry(db, first, 'spend', 30);
      await entry(db, first, 'reversal', 50);
      await entry(db, first, 'absorb', 25);
      await entry(db, first, 'restore', 5);

      const second = await lot(db, c, spentDiffers, { points: 100, remaining: 0, spent: 40, taken: 60 });
      await entry(db, second, 'spend', 20);
      await entry(db, second, 'spend', 15);
      await entry(db, second, 'reversal', 60);

      const third = await lot(db, c, takenDiffers, { points: 100, remaining: 0, spent: 30, taken: 70 });
      await entry(db, third, 'spend', 30);
      await entry(db, third, 'reversal', 50);
      await entry(db, third, 'restore', 5);

      expect(await ledgerDrift(db)).toEqual([
        { account: `lot:${spentDiffers}:spent`, ledger: 35, cached: 40 },
        { account: `lot:${takenDiffers}:taken`, ledger: 45, cached: 70 },
      ]);
    });
  });

  it('reports a spend whose allocations over the lots do not add up to its points', async () => {
    await owner.rolledBack(async (db) => {
      const c = await createInteraction(db);
      const [older, newer] = [await purchase(db, c, 100), await purchase(db, c, 100)];
      const olderLot = await lot(db, c, older, { points: 100, remaining: 0, spent: 45, taken: 55 });
      const newerLot = await lot(db, c, newer, { points: 100, remaining: 0, spent: 10, taken: 90 });
      await entry(db, olderLot, 'reversal', 55);
      await entry(db, newerLot, 'reversal', 90);
      // 30 points over both lots: allocated in full.
      const split = await spend(db, c, 30, 0);
      await entry(db, olderLot, 'spend', 20, split);
      await entry(db, newerLot, 'spend', 10, split);
      // 30 points of which the lots gave 25.
      const short = await spend(db, c, 30, 0);
      await entry(db, olderLot, 'spend', 25, short);

      expect(await ledgerDrift(db)).toEqual([{ account: `spend:${short}:allocated`, ledger: 30, cached: 25 }]);
    });
  });
});
