import { randomUUID } from 'node:crypto';
import { LotEntryKind } from '../../src/points/entities/point-lot.entity';
import { LotsRepository, LotToOpen } from '../../src/points/lots/lots.repository';
import { useOwnerDatabase } from '../support/owner-database';
import { createInteraction, createPurchase, failureOf, Sql, TestInteraction } from './interactions';

describe(LotsRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: LotsRepository;

  beforeAll(() => {
    sut = new LotsRepository(owner.transactions);
  });

  /** Lots for new purchases of the interaction, opened in one batch in the order given; their ids in that order. */
  async function openLots(db: Sql, c: TestInteraction, lots: Array<Partial<LotToOpen>>): Promise<Array<{ lotId: string; transactionId: string }>> {
    const toOpen: LotToOpen[] = [];
    for (const lot of lots) {
      const points = lot.points ?? 100;
      toOpen.push({
        transactionId: await createPurchase(db, c, points),
        interactionId: c.interactionId,
        moderatorId: c.moderatorId,
        points,
        amountCents: 300,
        currency: 'eur',
        moderatorShareBps: 3000,
        absorbed: 0,
        ...lot,
      });
    }
    await sut.insertAll(toOpen);
    const ids = await lotIds(db, toOpen.map((lot) => lot.transactionId));
    return toOpen.map((lot) => ({ lotId: ids.get(lot.transactionId)!, transactionId: lot.transactionId }));
  }

  async function lotIds(db: Sql, transactionIds: string[]): Promise<Map<string, string>> {
    const rows = await db.query<Array<{ id: string; transaction_id: string }>>(`SELECT id, transaction_id FROM point_lots WHERE transaction_id = ANY($1::bigint[])`, [
      transactionIds,
    ]);
    return new Map(rows.map((row) => [row.transaction_id, row.id]));
  }

  async function lot(db: Sql, lotId: string) {
    const [row] = await db.query<Array<{ remaining: string; spent: string; taken: string; moderator_id: string | null }>>(
      `SELECT remaining, spent, taken, moderator_id FROM point_lots WHERE id = $1`,
      [lotId],
    );
    return { remaining: Number(row.remaining), spent: Number(row.spent), taken: Number(row.taken), moderatorId: row.moderator_id };
  }

  function entriesOf(db: Sql, lotIds: string[]) {
    return db.query<Array<{ lot_id: string; kind: string; points: string; source_key: string; spend_id: string | null; value_cents: string | null }>>(
      `SELECT lot_id, kind, points, source_key, spend_id, value_cents FROM point_lot_entries WHERE lot_id = ANY($1::bigint[]) ORDER BY id`,
      [lotIds],
    );
  }

  async function createSpend(db: Sql, c: TestInteraction, points: number): Promise<string> {
    const [row] = await db.query<Array<{ id: string }>>(
      `INSERT INTO point_spends (client_id, profile_id, interaction_id, points, reason, idempotency_key, balance_after)
       VALUES ($1, $2, $3, $4, 'message', $5, 0) RETURNING id`,
      [c.clientId, c.profileId, c.interactionId, points, randomUUID()],
    );
    return row.id;
  }

  describe('insertAll', () => {
    it('opens the lots in the order given, each net of the debt it absorbed, with an absorb entry only where it absorbed some', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const older = await createPurchase(db, c, 100);
        const newer = await createPurchase(db, c, 500);
        const base = { interactionId: c.interactionId, moderatorId: null, amountCents: 999, currency: 'eur', moderatorShareBps: 3000 };

        await sut.insertAll([
          { ...base, transactionId: newer, points: 500, absorbed: 30 },
          { ...base, transactionId: older, points: 100, absorbed: 0 },
        ]);

        const ids = await lotIds(db, [older, newer]);
        expect(Number(ids.get(newer))).toBeLessThan(Number(ids.get(older)));
        expect(await lot(db, ids.get(newer)!)).toEqual({ remaining: 470, spent: 0, taken: 30, moderatorId: null });
        expect(await lot(db, ids.get(older)!)).toEqual({ remaining: 100, spent: 0, taken: 0, moderatorId: null });
        expect(await entriesOf(db, [ids.get(older)!, ids.get(newer)!])).toEqual([
          { lot_id: ids.get(newer), kind: 'absorb', points: '30', source_key: `absorb:${newer}`, spend_id: null, value_cents: null },
        ]);
      }));

    it('refuses a second lot for a purchase (uq_point_lots_transaction) and opens none of its batch', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [{ transactionId }] = await openLots(db, c, [{}]);
        const fresh = await createPurchase(db, c);
        const base = { interactionId: c.interactionId, moderatorId: null, points: 100, amountCents: 300, currency: 'eur', moderatorShareBps: 3000, absorbed: 0 };

        expect(await failureOf(db, () => sut.insertAll([{ ...base, transactionId: fresh }, { ...base, transactionId }]))).toMatchObject({
          constraint: 'uq_point_lots_transaction',
        });
        expect(await lotIds(db, [fresh])).toEqual(new Map());
      }));
  });

  describe('unspentInSpendOrder', () => {
    it("answers the interaction's lots that still hold points, oldest first", () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [spentLot, partly, full] = await openLots(db, c, [{ points: 100 }, { points: 200, amountCents: 550, absorbed: 20 }, { points: 300, moderatorId: null }]);
        await openLots(db, await createInteraction(db), [{}]);
        await sut.shift(
          [
            { lotId: spentLot.lotId, points: 100 },
            { lotId: partly.lotId, points: 50 },
          ],
          { remaining: -1, spent: 1 },
          LotEntryKind.Spend,
          `spend:${await createSpend(db, c, 150)}`,
        );

        const purchase = { grantId: null, frozen: false };
        expect(await sut.unspentInSpendOrder(c.interactionId)).toEqual([
          { ...purchase, id: partly.lotId, transactionId: partly.transactionId, moderatorId: c.moderatorId, points: 200, amountCents: 550, currency: 'eur', remaining: 130, spent: 50 },
          { ...purchase, id: full.lotId, transactionId: full.transactionId, moderatorId: null, points: 300, amountCents: 300, currency: 'eur', remaining: 300, spent: 0 },
        ]);
      }));
  });

  describe('reversibleOwnFirst', () => {
    it("answers the reversed purchase's own lot first, even spent, then the other lots with points, oldest first", () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [older, own, emptied, newer] = await openLots(db, c, [{ points: 50 }, { points: 100 }, { points: 10 }, { points: 20 }]);
        await sut.shift(
          [
            { lotId: own.lotId, points: 100 },
            { lotId: emptied.lotId, points: 10 },
            { lotId: older.lotId, points: 5 },
          ],
          { remaining: -1, spent: 1 },
          LotEntryKind.Spend,
          `spend:${await createSpend(db, c, 115)}`,
        );

        expect(await sut.reversibleOwnFirst(c.interactionId, own.transactionId)).toEqual([
          { id: own.lotId, remaining: 0, spent: 100, own: true },
          { id: older.lotId, remaining: 45, spent: 5, own: false },
          { id: newer.lotId, remaining: 20, spent: 0, own: false },
        ]);
      }));
  });

  describe('takenNewestFirst', () => {
    it('answers the lots that lost points, newest first, with what the given reversal took from each', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [first, second, third, absorbing, untouched] = await openLots(db, c, [{}, {}, {}, { absorbed: 15 }, {}]);
        const reversal = `refund:${randomUUID()}`;
        await sut.shift(
          [
            { lotId: second.lotId, points: 40 },
            { lotId: first.lotId, points: 25 },
          ],
          { remaining: -1, taken: 1 },
          LotEntryKind.Reversal,
          reversal,
        );
        await sut.shift([{ lotId: third.lotId, points: 10 }], { remaining: -1, taken: 1 }, LotEntryKind.Reversal, `refund:${randomUUID()}`);
        // A restore under the same key is not what the reversal took.
        await sut.shift([{ lotId: first.lotId, points: 5 }], { remaining: 1, taken: -1 }, LotEntryKind.Restore, reversal);

        expect(await sut.takenNewestFirst(c.interactionId, reversal, second.transactionId)).toEqual([
          { id: absorbing.lotId, taken: 15, byReversal: 0, own: false },
          { id: third.lotId, taken: 10, byReversal: 0, own: false },
          { id: second.lotId, taken: 40, byReversal: 40, own: true },
          { id: first.lotId, taken: 20, byReversal: 25, own: false },
        ]);
        expect(await lot(db, untouched.lotId)).toMatchObject({ taken: 0 });
      }));
  });

  describe('shift', () => {
    it("spends from several lots: their remaining and spent parts move, and each gets an entry with the spend's id and value", () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [a, b] = await openLots(db, c, [{ points: 100 }, { points: 50 }]);
        const spendId = await createSpend(db, c, 120);

        await sut.shift(
          [
            { lotId: a.lotId, points: 100 },
            { lotId: b.lotId, points: 20 },
          ],
          { remaining: -1, spent: 1 },
          LotEntryKind.Spend,
          `spend:${spendId}`,
          { spendId, values: [300, 120] },
        );

        expect(await lot(db, a.lotId)).toMatchObject({ remaining: 0, spent: 100, taken: 0 });
        expect(await lot(db, b.lotId)).toMatchObject({ remaining: 30, spent: 20, taken: 0 });
        expect(await entriesOf(db, [a.lotId, b.lotId])).toEqual([
          { lot_id: a.lotId, kind: 'spend', points: '100', source_key: `spend:${spendId}`, spend_id: spendId, value_cents: '300' },
          { lot_id: b.lotId, kind: 'spend', points: '20', source_key: `spend:${spendId}`, spend_id: spendId, value_cents: '120' },
        ]);
      }));

    it('takes back and gives back: remaining and taken move the other way, entries carry no spend nor value', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [a] = await openLots(db, c, [{ points: 100 }]);
        const key = `dispute:${randomUUID()}`;

        await sut.shift([{ lotId: a.lotId, points: 60 }], { remaining: -1, taken: 1 }, LotEntryKind.Reversal, key);
        expect(await lot(db, a.lotId)).toMatchObject({ remaining: 40, spent: 0, taken: 60 });
        await sut.shift([{ lotId: a.lotId, points: 45 }], { remaining: 1, taken: -1 }, LotEntryKind.Restore, `${key}:won`);
        expect(await lot(db, a.lotId)).toMatchObject({ remaining: 85, spent: 0, taken: 15 });

        expect(await entriesOf(db, [a.lotId])).toEqual([
          { lot_id: a.lotId, kind: 'reversal', points: '60', source_key: key, spend_id: null, value_cents: null },
          { lot_id: a.lotId, kind: 'restore', points: '45', source_key: `${key}:won`, spend_id: null, value_cents: null },
        ]);
      }));

    it('refuses to take more than a lot holds (ck_point_lots_parts), changing no lot of the batch', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [a, b] = await openLots(db, c, [{ points: 100 }, { points: 10 }]);

        const failure = await failureOf(db, () =>
          sut.shift(
            [
              { lotId: a.lotId, points: 50 },
              { lotId: b.lotId, points: 11 },
            ],
            { remaining: -1, taken: 1 },
            LotEntryKind.Reversal,
            `refund:${randomUUID()}`,
          ),
        );

        expect(failure).toMatchObject({ constraint: 'ck_point_lots_parts' });
        expect(await lot(db, a.lotId)).toMatchObject({ remaining: 100, taken: 0 });
        expect(await lot(db, b.lotId)).toMatchObject({ remaining: 10, taken: 0 });
      }));

    it("refuses a second entry of one key and kind on a lot (uq_point_lot_entries_source): the caller's transaction undoes the lot's change with it", () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [a] = await openLots(db, c, [{ points: 100 }]);
        const key = `refund:${randomUUID()}`;
        await sut.shift([{ lotId: a.lotId, points: 10 }], { remaining: -1, taken: 1 }, LotEntryKind.Reversal, key);

        const failure = await failureOf(db, () => sut.shift([{ lotId: a.lotId, points: 10 }], { remaining: -1, taken: 1 }, LotEntryKind.Reversal, key));

        expect(failure).toMatchObject({ constraint: 'uq_point_lot_entries_source' });
        expect(await lot(db, a.lotId)).toMatchObject({ remaining: 90, taken: 10 });
      }));
  });

  describe('attributeHeld', () => {
    it('names the moderator on the held lots of the purchases given, and only there', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [heldA, heldB, earned, heldElsewhere] = await openLots(db, c, [{ moderatorId: null }, { moderatorId: null }, {}, { moderatorId: null }]);
        const next = await createInteraction(db);

        await sut.attributeHeld([heldA.transactionId, heldB.transactionId, earned.transactionId], next.moderatorId);

        expect((await lot(db, heldA.lotId)).moderatorId).toBe(next.moderatorId);
        expect((await lot(db, heldB.lotId)).moderatorId).toBe(next.moderatorId);
        expect((await lot(db, earned.lotId)).moderatorId).toBe(c.moderatorId);
        expect((await lot(db, heldElsewhere.lotId)).moderatorId).toBeNull();
      }));
  });

  describe('entriesOfSpend', () => {
    it("answers a spend's parts, oldest lot first, with their purchase, value, currency and moderator", () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [a, b] = await openLots(db, c, [{ points: 100, currency: 'usd' }, { points: 100, moderatorId: null }]);
        const spendId = await createSpend(db, c, 130);
        await sut.shift(
          [
            { lotId: b.lotId, points: 30 },
            { lotId: a.lotId, points: 100 },
          ],
          { remaining: -1, spent: 1 },
          LotEntryKind.Spend,
          `spend:${spendId}`,
          { spendId, values: [90, 300] },
        );
        await sut.shift([{ lotId: b.lotId, points: 1 }], { remaining: -1, spent: 1 }, LotEntryKind.Spend, 'spend:other', { spendId: await createSpend(db, c, 1), values: [3] });

        expect(await sut.entriesOfSpend(spendId)).toEqual([
          { transactionId: a.transactionId, grantId: null, promotional: false, points: 100, valueCents: 300, currency: 'usd', moderatorId: c.moderatorId },
          { transactionId: b.transactionId, grantId: null, promotional: false, points: 30, valueCents: 90, currency: 'eur', moderatorId: null },
        ]);
      }));
  });

  describe('countsOf', () => {
    it('answers the parts of the lots of the purchases given; a purchase without a lot has none', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const [a, b] = await openLots(db, c, [{ points: 100, absorbed: 10 }, { points: 40 }]);
        const noLot = await createPurchase(db, c);
        await sut.shift([{ lotId: a.lotId, points: 25 }], { remaining: -1, spent: 1 }, LotEntryKind.Spend, `spend:${await createSpend(db, c, 25)}`);

        const counts = await sut.countsOf([a.transactionId, noLot, b.transactionId]);

        expect(counts.sort((x, y) => Number(x.transactionId) - Number(y.transactionId))).toEqual([
          { transactionId: a.transactionId, remaining: 65, spent: 25, taken: 10 },
          { transactionId: b.transactionId, remaining: 40, spent: 0, taken: 0 },
        ]);
        expect(await sut.countsOf([])).toEqual([]);
      }));
  });
});
