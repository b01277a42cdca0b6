import { randomUUID } from 'node:crypto';
import { NewSpend, SpendsRepository } from '../../src/points/spends.repository';
import { useOwnerDatabase } from '../support/owner-database';
import { createConversation, stillPendingAfter, TestConversation } from './conversations';

describe(SpendsRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: SpendsRepository;
  let conversation: TestConversation;

  beforeAll(async () => {
    sut = new SpendsRepository(owner.transactions);
    conversation = await createConversation(owner.db);
  });

  function spend(overrides: Partial<NewSpend> = {}, c = conversation): NewSpend {
    return {
      clientId: c.client.id,
      profileId: c.profile.id,
      interactionId: c.interactionId,
      points: 10,
      reason: 'message',
      idempotencyKey: randomUUID(),
      balanceAfter: 90,
      ...overrides,
    };
  }

  async function spendsWithKey(idempotencyKey: string) {
    return owner.db.query<Array<{ id: string; client_id: string; points: string; reason: string; balance_after: string }>>(
      `SELECT id, client_id, points, reason, balance_after FROM point_spends WHERE idempotency_key = $1 ORDER BY id`,
      [idempotencyKey],
    );
  }

  describe('insertUnlessKeyUsed', () => {
    it('writes the spend and answers its id', async () => {
      const request = spend({ points: 25, reason: 'gift', balanceAfter: 75 });

      const id = await sut.insertUnlessKeyUsed(request);

      expect(await spendsWithKey(request.idempotencyKey)).toEqual([{ id, client_id: conversation.client.id, points: '25', reason: 'gift', balance_after: '75' }]);
      expect(request).not.toHaveProperty('id');
    });

    it('answers null and writes nothing when the client used the key before (uq_point_spends_client_key)', async () => {
      const request = spend();
      const first = await sut.insertUnlessKeyUsed(request);

      expect(await sut.insertUnlessKeyUsed({ ...request, points: 40, balanceAfter: 60 })).toBeNull();

      expect(await spendsWithKey(request.idempotencyKey)).toEqual([{ id: first, client_id: conversation.client.id, points: '10', reason: 'message', balance_after: '90' }]);
    });

    it("writes another client's spend with the same key: a key is the client's own", async () => {
      const request = spend();
      const other = await createConversation(owner.db);
      await sut.insertUnlessKeyUsed(request);

      const id = await sut.insertUnlessKeyUsed(spend({ idempotencyKey: request.idempotencyKey }, other));

      expect(id).not.toBeNull();
      expect((await spendsWithKey(request.idempotencyKey)).map((row) => row.client_id)).toEqual([conversation.client.id, other.client.id]);
    });

    it('makes a concurrent use of the key wait for the first spend, then write nothing once it commits', async () => {
      const request = spend();
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      let inserted!: () => void;
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
      const first = owner.transactions.run(async () => {
        const id = await sut.insertUnlessKeyUsed(request);
        inserted();
        await committed;
        return id;
      });
      await firstInserted;

      const second = owner.transactions.run(() => sut.insertUnlessKeyUsed({ ...request, points: 30 }));
      expect(await stillPendingAfter(second, 300)).toBe(true);
      commit();

      const id = await first;
      expect(await second).toBeNull();
      expect((await spendsWithKey(request.idempotencyKey)).map((row) => [row.id, row.points])).toEqual([[id, '10']]);
    });

    it('lets a concurrent use of the key write its spend when the first one rolls back', async () => {
      const request = spend();
      let rollBack!: () => void;
      const rolledBack = new Promise<void>((resolve) => (rollBack = resolve));
      let inserted!: () => void;
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
      const first = owner.transactions.run(async () => {
        await sut.insertUnlessKeyUsed(request);
        inserted();
        await rolledBack;
        throw new Error('first rolled back');
      });
      await firstInserted;

      const second = owner.transactions.run(() => sut.insertUnlessKeyUsed({ ...request, points: 30 }));
      expect(await stillPendingAfter(second, 300)).toBe(true);
      rollBack();

      await expect(first).rejects.toThrow('first rolled back');
      const id = await second;
      expect(id).not.toBeNull();
      expect((await spendsWithKey(request.idempotencyKey)).map((row) => [row.id, row.points])).toEqual([[id, '30']]);
    });
  });

  describe('findByKey', () => {
    it("answers the client's spend made with the key, with numbers for its amounts", async () => {
      const request = spend({ points: 15, balanceAfter: 85 });
      const id = await sut.insertUnlessKeyUsed(request);

      expect(await sut.findByKey(conversation.client.id, request.idempotencyKey)).toMatchObject({
        id,
        clientId: conversation.client.id,
        profileId: conversation.profile.id,
        interactionId: conversation.interactionId,
        points: 15,
        reason: 'message',
        idempotencyKey: request.idempotencyKey,
        balanceAfter: 85,
      });
    });

    it("answers null for a key the client never used, even if another client did", async () => {
      const request = spend();
      await sut.insertUnlessKeyUsed(request);
      const other = await createConversation(owner.db);

      expect(await sut.findByKey(other.client.id, request.idempotencyKey)).toBeNull();
      expect(await sut.findByKey(conversation.client.id, randomUUID())).toBeNull();
    });
  });
});
