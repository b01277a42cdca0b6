import { randomUUID } from 'node:crypto';
import { LedgerAccount } from '../../src/points/ledger-accounts';
import { LedgerTransfersRepository, TransferRequest } from '../../src/points/ledger-transfers.repository';
import { TransferKind } from '../../src/points/transfer-kind';
import { useOwnerDatabase } from '../support/owner-database';
import { createInteraction, createPurchase, gate, Sql, stillPendingAfter } from './interactions';

describe(LedgerTransfersRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: LedgerTransfersRepository;

  beforeAll(() => {
    sut = new LedgerTransfersRepository(owner.transactions);
  });

  function transfer(overrides: Partial<TransferRequest> = {}): TransferRequest {
    return {
      key: `test:${randomUUID()}`,
      kind: TransferKind.Spend,
      debit: LedgerAccount.platformEarnings,
      credit: LedgerAccount.platformSpent,
      points: 10,
      ...overrides,
    };
  }

  function rowsWithKeys(db: Sql, keys: string[]) {
    return db.query<
      Array<{ transfer_key: string; kind: string; debit_account: string; credit_account: string; points: string; transaction_id: string | null; interaction_id: string | null }>
    >(
      `SELECT transfer_key, kind, debit_account, credit_account, points, transaction_id, interaction_id
         FROM ledger_transfers WHERE transfer_key = ANY($1::text[]) ORDER BY id`,
      [keys],
    );
  }

  describe('insertNewKeys', () => {
    it('writes every transfer of the batch with its columns and answers their keys', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const purchaseId = await createPurchase(db, c);
        const client = LedgerAccount.client(c.interactionId);
        const first = transfer({ kind: TransferKind.Purchase, debit: LedgerAccount.stripeSales, credit: client, points: 100, transactionId: purchaseId, interactionId: c.interactionId });
        const second = transfer({ debit: client, credit: LedgerAccount.platformSpent, points: 7, interactionId: c.interactionId });

        const written = await sut.insertNewKeys([first, second]);

        expect(written).toEqual(new Set([first.key, second.key]));
        expect(await rowsWithKeys(db, [first.key, second.key])).toEqual([
          { transfer_key: first.key, kind: 'purchase', debit_account: 'stripe:sales', credit_account: client, points: '100', transaction_id: purchaseId, interaction_id: c.interactionId },
          { transfer_key: second.key, kind: 'spend', debit_account: client, credit_account: 'platform:spent', points: '7', transaction_id: null, interaction_id: c.interactionId },
        ]);
      }));

    it('skips a transfer whose key was used before, keeps the first one, and writes the rest of the batch', () =>
      owner.rolledBack(async (db) => {
        const used = transfer({ points: 5 });
        await sut.insertNewKeys([used]);
        const fresh = transfer();

        const written = await sut.insertNewKeys([{ ...used, points: 50 }, fresh]);

        expect(written).toEqual(new Set([fresh.key]));
        expect((await rowsWithKeys(db, [used.key, fresh.key])).map((row) => [row.transfer_key, row.points])).toEqual([
          [used.key, '5'],
          [fresh.key, '10'],
        ]);
      }));

    it('writes money without points (a refund too small to take back a point), and the database refuses a transfer of nothing', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const purchaseId = await createPurchase(db, c);
        const moneyOnly = transfer({
          kind: TransferKind.Reversal,
          debit: LedgerAccount.held(c.interactionId),
          credit: LedgerAccount.platformEarnings,
          points: 0,
          transactionId: purchaseId,
          interactionId: c.interactionId,
          money: { cents: 1, currency: 'eur' },
        });

        expect(await sut.insertNewKeys([moneyOnly])).toEqual(new Set([moneyOnly.key]));
        expect((await rowsWithKeys(db, [moneyOnly.key])).map((row) => row.points)).toEqual(['0']);

        await db.query('SAVEPOINT nothing');
        await expect(sut.insertNewKeys([{ ...moneyOnly, key: `test:${randomUUID()}`, money: { cents: 0, currency: 'eur' } }])).rejects.toThrow(/ck_ledger_transfers_points/);
        await db.query('ROLLBACK TO SAVEPOINT nothing');
        await expect(sut.insertNewKeys([{ ...moneyOnly, key: `test:${randomUUID()}`, money: null }])).rejects.toThrow(/ck_ledger_transfers_points/);
      }));

    it('answers no key for an empty batch', async () => {
      expect(await sut.insertNewKeys([])).toEqual(new Set());
    });

    it("writes inside the caller's transaction: nobody else sees the transfer before it commits", () =>
      owner.rolledBack(async (db) => {
        const request = transfer();

        expect(await sut.insertNewKeys([request])).toEqual(new Set([request.key]));

        expect(await rowsWithKeys(db, [request.key])).toHaveLength(1);
        expect(await rowsWithKeys(owner.db, [request.key])).toEqual([]);
      }));

    // These two commit what they write: transfers between the platform's own source accounts, which no balance caches.
    it('makes a concurrent use of a key wait for the first one, then skip it once that commits', async () => {
      const request = transfer();
      const open = gate();
      const first = owner.transactions.run(async () => {
        const written = await sut.insertNewKeys([request]);
        open.arrive();
        await open.finished;
        return written;
      });
      await open.reached;

      const second = owner.transactions.run(() => sut.insertNewKeys([{ ...request, points: 99 }]));
      expect(await stillPendingAfter(second, 300)).toBe(true);
      open.finish();

      expect(await first).toEqual(new Set([request.key]));
      expect(await second).toEqual(new Set());
      expect((await rowsWithKeys(owner.db, [request.key])).map((row) => row.points)).toEqual(['10']);
    });

    it('lets a concurrent use of a key write it when the first one rolls back', async () => {
      const request = transfer();
      const open = gate();
      const first = owner.transactions.run(async () => {
        await sut.insertNewKeys([request]);
        open.arrive();
        await open.finished;
        throw new Error('first rolled back');
      });
      await open.reached;

      const second = owner.transactions.run(() => sut.insertNewKeys([{ ...request, points: 99 }]));
      expect(await stillPendingAfter(second, 300)).toBe(true);
      open.finish();

      await expect(first).rejects.toThrow('first rolled back');
      expect(await second).toEqual(new Set([request.key]));
      expect((await rowsWithKeys(owner.db, [request.key])).map((row) => row.points)).toEqual(['99']);
    });
  });

  describe('heldPurchases', () => {
    it("answers each purchase's points still on the held accounts, net of what left them, by purchase id", () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const held = LedgerAccount.held(c.interactionId);
        const kept = await createPurchase(db, c);
        const partlyReversed = await createPurchase(db, c);
        const released = await createPurchase(db, c);
        const earned = await createPurchase(db, c);
        const elsewhere = await createInteraction(db);
        const otherPurchase = await createPurchase(db, elsewhere);
        const refs = { interactionId: c.interactionId };
        const hold = (transactionId: string, points: number, account = held, money: TransferRequest['money'] = null) =>
          transfer({ kind: TransferKind.Hold, debit: LedgerAccount.platformEarnings, credit: account, points, transactionId, money, ...refs });
        await sut.insertNewKeys([
          // Its share is held with its points: 150 cents, then 60 of them go back with 20 points.
          hold(partlyReversed, 50, held, { cents: 150, currency: 'eur' }),
          hold(kept, 100),
          transfer({
            kind: TransferKind.Reversal,
            debit: held,
            credit: LedgerAccount.platformEarnings,
            points: 20,
            transactionId: partlyReversed,
            money: { cents: 60, currency: 'eur' },
            ...refs,
          }),
          hold(released, 30),
          transfer({ kind: TransferKind.Release, debit: held, credit: LedgerAccount.moderator(c.moderatorId), points: 30, transactionId: released, ...refs }),
          transfer({ kind: TransferKind.Attribution, debit: LedgerAccount.platformEarnings, credit: LedgerAccount.moderator(c.moderatorId), points: 40, transactionId: earned, ...refs }),
          hold(otherPurchase, 60, LedgerAccount.held(elsewhere.interactionId)),
          // A movement of the held account that belongs to no purchase is no purchase's points.
          transfer({ kind: TransferKind.Hold, debit: LedgerAccount.platformEarnings, credit: held, points: 8, ...refs }),
        ]);

        const purchases = await sut.heldPurchases([held]);

        expect(Number(kept)).toBeLessThan(Number(partlyReversed));
        expect(purchases).toEqual([
          { account: held, transactionId: kept, points: 100, money: null },
          { account: held, transactionId: partlyReversed, points: 30, money: { cents: 90, currency: 'eur' } },
        ]);

        const both = await sut.heldPurchases([LedgerAccount.held(elsewhere.interactionId), held]);
        expect(both).toEqual([
          { account: held, transactionId: kept, points: 100, money: null },
          { account: held, transactionId: partlyReversed, points: 30, money: { cents: 90, currency: 'eur' } },
          { account: LedgerAccount.held(elsewhere.interactionId), transactionId: otherPurchase, points: 60, money: null },
        ]);
      }));

    it('answers nothing for a held account without points', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        expect(await sut.heldPurchases([LedgerAccount.held(c.interactionId)])).toEqual([]);
        expect(await sut.heldPurchases([])).toEqual([]);
      }));
  });
});
