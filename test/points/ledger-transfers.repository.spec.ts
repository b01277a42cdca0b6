import { randomUUID } from 'node:crypto';
import { LedgerAccount } from '../../src/points/ledger-accounts';
import { LedgerTransfersRepository, TransferRequest } from '../../src/points/ledger-transfers.repository';
import { TransferKind } from '../../src/points/transfer-kind';
import { useOwnerDatabase } from '../support/owner-database';
import { createConversation, createPurchase, stillPendingAfter, TestConversation } from './conversations';

describe(LedgerTransfersRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: LedgerTransfersRepository;
  let conversation: TestConversation;

  beforeAll(async () => {
    sut = new LedgerTransfersRepository(owner.transactions);
    conversation = await createConversation(owner.db);
  });

  function transfer(overrides: Partial<TransferRequest> = {}): TransferRequest {
    return {
      key: `test:${randomUUID()}`,
      kind: TransferKind.Spend,
      debit: LedgerAccount.client(conversation.interactionId),
      credit: LedgerAccount.platformSpent,
      points: 10,
      interactionId: conversation.interactionId,
      ...overrides,
    };
  }

  async function rowsWithKeys(keys: string[]) {
    return owner.db.query<Array<{ transfer_key: string; kind: string; debit_account: string; credit_account: string; points: string; transaction_id: string | null; interaction_id: string | null }>>(
      `SELECT transfer_key, kind, debit_account, credit_account, points, transaction_id, interaction_id
         FROM ledger_transfers WHERE transfer_key = ANY($1::text[]) ORDER BY id`,
      [keys],
    );
  }

  describe('insertNewKeys', () => {
    it('writes every transfer of the batch with its columns and answers their keys', async () => {
      const purchaseId = await createPurchase(owner.db, conversation);
      const first = transfer({ kind: TransferKind.Purchase, debit: LedgerAccount.stripeSales, credit: LedgerAccount.client(conversation.interactionId), points: 100, transactionId: purchaseId });
      const second = transfer({ points: 7 });

      const written = await sut.insertNewKeys([first, second]);

      expect(written).toEqual(new Set([first.key, second.key]));
      expect(await rowsWithKeys([first.key, second.key])).toEqual([
        {
          transfer_key: first.key,
          kind: 'purchase',
          debit_account: 'stripe:sales',
          credit_account: `interaction:${conversation.interactionId}:client`,
          points: '100',
          transaction_id: purchaseId,
          interaction_id: conversation.interactionId,
        },
        {
          transfer_key: second.key,
          kind: 'spend',
          debit_account: `interaction:${conversation.interactionId}:client`,
          credit_account: 'platform:spent',
          points: '7',
          transaction_id: null,
          interaction_id: conversation.interactionId,
        },
      ]);
    });

    it('skips a transfer whose key was used before, keeps the first one, and writes the rest of the batch', async () => {
      const used = transfer({ points: 5 });
      await sut.insertNewKeys([used]);
      const fresh = transfer();

      const written = await sut.insertNewKeys([{ ...used, points: 50 }, fresh]);

      expect(written).toEqual(new Set([fresh.key]));
      const rows = await rowsWithKeys([used.key, fresh.key]);
      expect(rows.map((row) => [row.transfer_key, row.points])).toEqual([
        [used.key, '5'],
        [fresh.key, '10'],
      ]);
    });

    it('answers no key for an empty batch', async () => {
      expect(await sut.insertNewKeys([])).toEqual(new Set());
    });

    it("writes inside the caller's transaction: nothing stays when it rolls back", async () => {
      const request = transfer();
      await expect(
        owner.transactions.run(async () => {
          expect(await sut.insertNewKeys([request])).toEqual(new Set([request.key]));
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');

      expect(await rowsWithKeys([request.key])).toEqual([]);
    });

    it('makes a concurrent use of a key wait for the first one, then skip it once that commits', async () => {
      const request = transfer();
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      let inserted!: () => void;
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
      const first = owner.transactions.run(async () => {
        const written = await sut.insertNewKeys([request]);
        inserted();
        await committed;
        return written;
      });
      await firstInserted;

      const second = owner.transactions.run(() => sut.insertNewKeys([{ ...request, points: 99 }]));
      expect(await stillPendingAfter(second, 300)).toBe(true);
      commit();

      expect(await first).toEqual(new Set([request.key]));
      expect(await second).toEqual(new Set());
      expect((await rowsWithKeys([request.key])).map((row) => row.points)).toEqual(['10']);
    });

    it('lets a concurrent use of a key write it when the first one rolls back', async () => {
      const request = transfer();
      let rollBack!: () => void;
      const rolledBack = new Promise<void>((resolve) => (rollBack = resolve));
      let inserted!: () => void;
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
      const first = owner.transactions.run(async () => {
        await sut.insertNewKeys([request]);
        inserted();
        await rolledBack;
        throw new Error('first rolled back');
      });
      await firstInserted;

      const second = owner.transactions.run(() => sut.insertNewKeys([{ ...request, points: 99 }]));
      expect(await stillPendingAfter(second, 300)).toBe(true);
      rollBack();

      await expect(first).rejects.toThrow('first rolled back');
      expect(await second).toEqual(new Set([request.key]));
      expect((await rowsWithKeys([request.key])).map((row) => row.points)).toEqual(['99']);
    });
  });

  describe('heldPurchases', () => {
    it("answers each purchase's points still on the held account, net of what left it, by purchase id", async () => {
      const c = await createConversation(owner.db);
      const held = LedgerAccount.held(c.interactionId);
      const [kept, partlyReversed, fullyReleased, notHeld] = [
        await createPurchase(owner.db, c),
        await createPurchase(owner.db, c),
        await createPurchase(owner.db, c),
        await createPurchase(owner.db, c),
      ];
      const elsewhere = await createConversation(owner.db);
      const otherPurchase = await createPurchase(owner.db, elsewhere);
      const hold = (transactionId: string, points: number, account = held) =>
        transfer({ kind: TransferKind.Hold, debit: LedgerAccount.platformEarnings, credit: account, points, transactionId, interactionId: c.interactionId });
      const out = (transactionId: string, points: number) =>
        transfer({ kind: TransferKind.Reversal, debit: held, credit: LedgerAccount.platformEarnings, points, transactionId, interactionId: c.interactionId });
      await sut.insertNewKeys([
        hold(partlyReversed, 50),
        hold(kept, 100),
        out(partlyReversed, 20),
        hold(fullyReleased, 30),
        transfer({ kind: TransferKind.Release, debit: held, credit: LedgerAccount.moderator(c.moderator.id), points: 30, transactionId: fullyReleased }),
        transfer({ kind: TransferKind.Attribution, debit: LedgerAccount.platformEarnings, credit: LedgerAccount.moderator(c.moderator.id), points: 40, transactionId: notHeld }),
        hold(otherPurchase, 60, LedgerAccount.held(elsewhere.interactionId)),
        // A movement of the held account that belongs to no purchase is no purchase's points.
        transfer({ kind: TransferKind.Hold, debit: LedgerAccount.platformEarnings, credit: held, points: 8, transactionId: null }),
      ]);

      const purchases = await sut.heldPurchases(held);

      const expected = [
        { transactionId: kept, points: 100 },
        { transactionId: partlyReversed, points: 30 },
      ].sort((a, b) => Number(a.transactionId) - Number(b.transactionId));
      expect(purchases).toEqual(expected);
    });

    it('answers nothing for a held account without points', async () => {
      const c = await createConversation(owner.db);
      expect(await sut.heldPurchases(LedgerAccount.held(c.interactionId))).toEqual([]);
    });
  });
});
