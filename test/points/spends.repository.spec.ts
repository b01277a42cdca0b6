import { randomUUID } from 'node:crypto';
import { NewSpend, SpendsRepository } from '../../src/points/spends.repository';
import { useOwnerDatabase } from '../support/owner-database';
import { createInteraction, gate, Sql, stillPendingAfter, TestInteraction } from './interactions';

describe(SpendsRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: SpendsRepository;

  beforeAll(() => {
    sut = new SpendsRepository(owner.transactions);
  });

  function spend(c: TestInteraction, overrides: Partial<NewSpend> = {}): NewSpend {
    return {
      clientId: c.clientId,
      profileId: c.profileId,
      interactionId: c.interactionId,
      points: 10,
      reason: 'message',
      idempotencyKey: randomUUID(),
      balanceAfter: 90,
      ...overrides,
    };
  }

  function spendsWithKey(db: Sql, idempotencyKey: string) {
    return db.query<Array<{ id: string; client_id: string; points: string; reason: string; balance_after: string }>>(
      `SELECT id, client_id, points, reason, balance_after FROM point_spends WHERE idempotency_key = $1 ORDER BY id`,
      [idempotencyKey],
    );
  }

  describe('insertUnlessKeyUsed', () => {
    it('writes the spend and answers its id, leaving the values it was given as they were', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const request = spend(c, { points: 25, reason: 'gift', balanceAfter: 75 });

        const id = await sut.insertUnlessKeyUsed(request);

        expect(await spendsWithKey(db, request.idempotencyKey)).toEqual([{ id, client_id: c.clientId, points: '25', reason: 'gift', balance_after: '75' }]);
        expect(request).not.toHaveProperty('id');
      }));

    it('answers null and writes nothing when the client used the key before (uq_point_spends_client_key)', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const request = spend(c);
        const first = await sut.insertUnlessKeyUsed(request);

        expect(await sut.insertUnlessKeyUsed({ ...request, points: 40, balanceAfter: 60 })).toBeNull();

        expect(await spendsWithKey(db, request.idempotencyKey)).toEqual([{ id: first, client_id: c.clientId, points: '10', reason: 'message', balance_after: '90' }]);
      }));

    it("writes another client's spend with the same key: a key is the client's own", () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const other = await createInteraction(db);
        const request = spend(c);
        await sut.insertUnlessKeyUsed(request);

        const id = await sut.insertUnlessKeyUsed(spend(other, { idempotencyKey: request.idempotencyKey }));

        expect(id).not.toBeNull();
        expect((await spendsWithKey(db, request.idempotencyKey)).map((row) => row.client_id)).toEqual([c.clientId, other.clientId]);
      }));

    // These two commit what they write: an interaction without points and a spend without lot
    // entries, which no balance check of the ledger reads.
    describe('used by two transactions at once', () => {
      let c: TestInteraction;

      beforeAll(async () => {
        c = await createInteraction(owner.db);
      });

      it('makes the second wait for the first spend, then write nothing once it commits', async () => {
        const request = spend(c);
        const open = gate();
        const first = owner.transactions.run(async () => {
          const id = await sut.insertUnlessKeyUsed(request);
          open.arrive();
          await open.finished;
          return id;
        });
        await open.reached;

        const second = owner.transactions.run(() => sut.insertUnlessKeyUsed({ ...request, points: 30 }));
        expect(await stillPendingAfter(second, 300)).toBe(true);
        open.finish();

        const id = await first;
        expect(await second).toBeNull();
        expect((await spendsWithKey(owner.db, request.idempotencyKey)).map((row) => [row.id, row.points])).toEqual([[id, '10']]);
      });

      it('lets the second write its spend when the first one rolls back', async () => {
        const request = spend(c);
        const open = gate();
        const first = owner.transactions.run(async () => {
          await sut.insertUnlessKeyUsed(request);
          open.arrive();
          await open.finished;
          throw new Error('first rolled back');
        });
        await open.reached;

        const second = owner.transactions.run(() => sut.insertUnlessKeyUsed({ ...request, points: 30 }));
        expect(await stillPendingAfter(second, 300)).toBe(true);
        open.finish();

        await expect(first).rejects.toThrow('first rolled back');
        const id = await second;
        expect(id).not.toBeNull();
        expect((await spendsWithKey(owner.db, request.idempotencyKey)).map((row) => [row.id, row.points])).toEqual([[id, '30']]);
      });
    });
  });

  describe('findByKey', () => {
    it("answers the client's spend made with the key, with numbers for its amounts", () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const request = spend(c, { points: 15, balanceAfter: 85 });
        const id = await sut.insertUnlessKeyUsed(request);

        expect(await sut.findByKey(c.clientId, request.idempotencyKey)).toMatchObject({
          id,
          clientId: c.clientId,
          profileId: c.profileId,
          interactionId: c.interactionId,
          points: 15,
          reason: 'message',
          idempotencyKey: request.idempotencyKey,
          balanceAfter: 85,
        });
      }));

    it('answers null for a key the client never used, even if another client did', () =>
      owner.rolledBack(async (db) => {
        const c = await createInteraction(db);
        const other = await createInteraction(db);
        const request = spend(c);
        await sut.insertUnlessKeyUsed(request);

        expect(await sut.findByKey(other.clientId, request.idempotencyKey)).toBeNull();
        expect(await sut.findByKey(c.clientId, randomUUID())).toBeNull();
      }));
  });
});
