import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { NewNotification, NotificationsRepository } from '../../src/notifications/notifications.repository';
import { createUser, TestUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

describe(NotificationsRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: NotificationsRepository;

  beforeAll(() => {
    sut = new NotificationsRepository(owner.transactions);
  });

  function notification(user: TestUser, overrides: Partial<NewNotification> = {}): NewNotification {
    return {
      userId: user.id,
      type: 'points.purchased',
      payload: { points: 100 } as unknown as NewNotification['payload'],
      eventId: randomUUID(),
      ...overrides,
    };
  }

  async function storedFor(user: TestUser) {
    return owner.db.query<Array<{ id: string; type: string; payload: unknown; event_id: string; read_at: Date | null }>>(
      `SELECT id, type, payload, event_id, read_at FROM notifications WHERE user_id = $1 ORDER BY id`,
      [user.id],
    );
  }

  /** `count` notifications of the user, oldest first; their ids. */
  async function seed(user: TestUser, count: number): Promise<string[]> {
    const ids = await sut.insertAll(Array.from({ length: count }, () => notification(user)));
    return ids.map((id) => id!);
  }

  describe('insertAll', () => {
    it('stores every notification in one call, ids in the order given, and answers them in that order', async () => {
      const [alice, bob] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];
      const requests = [
        notification(bob, { type: 'payment.failed' }),
        notification(alice),
        notification(bob, { payload: { points: 7 } as unknown as NewNotification['payload'] }),
      ];

      const ids = await sut.insertAll(requests);

      expect(ids.every((id) => id !== null)).toBe(true);
      expect([...ids].sort((a, b) => Number(BigInt(a!) - BigInt(b!)))).toEqual(ids);
      expect(await storedFor(bob)).toEqual([
        { id: ids[0], type: 'payment.failed', payload: { points: 100 }, event_id: requests[0].eventId, read_at: null },
        { id: ids[2], type: 'points.purchased', payload: { points: 7 }, event_id: requests[2].eventId, read_at: null },
      ]);
      expect((await storedFor(alice)).map((row) => row.id)).toEqual([ids[1]]);
    });

    it('answers null for an (event, user) stored before, and for its repetition in the same call, keeping the first', async () => {
      const [alice, bob] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];
      const event = randomUUID();
      const [first] = await sut.insertAll([notification(alice, { eventId: event })]);
      const later = randomUUID();

      const ids = await sut.insertAll([
        notification(alice, { eventId: event, type: 'payment.failed' }),
        notification(alice, { eventId: later }),
        notification(bob, { eventId: event }),
        notification(alice, { eventId: later }),
      ]);

      expect(ids[0]).toBeNull();
      expect(ids[1]).not.toBeNull();
      expect(ids[2]).not.toBeNull();
      expect(ids[3]).toBeNull();
      expect((await storedFor(alice)).map((row) => [row.id, row.type, row.event_id])).toEqual([
        [first, 'points.purchased', event],
        [ids[1], 'points.purchased', later],
      ]);
    });

    it('matches an event id given in capitals to the row it stored', async () => {
      const alice = await createUser(owner.db, 'moderator');
      const event = randomUUID().toUpperCase();

      const [id] = await sut.insertAll([notification(alice, { eventId: event })]);

      expect(id).not.toBeNull();
      expect((await storedFor(alice)).map((row) => row.id)).toEqual([id]);
    });

    it('fails the whole call on a user that does not exist (fk_notifications_user), storing nothing', async () => {
      const alice = await createUser(owner.db, 'moderator');

      const failure = await sut.insertAll([notification(alice), notification({ id: '900000000000000001' } as TestUser)]).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(QueryFailedError);
      expect(((failure as QueryFailedError).driverError as { constraint?: string }).constraint).toBe('fk_notifications_user');
      expect(await storedFor(alice)).toEqual([]);
    });
  });

  describe('listNewestFirst', () => {
    it("pages through the user's notifications newest first, by the id of the last one seen", async () => {
      const [alice, bob] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];
      const ids = await seed(alice, 5);
      await seed(bob, 2);

      const first = await sut.listNewestFirst(alice.id, { take: 2 });
      const second = await sut.listNewestFirst(alice.id, { take: 2, beforeId: first[1].id });
      const last = await sut.listNewestFirst(alice.id, { take: 2, beforeId: second[1].id });

      expect([first, second, last].map((page) => page.map((row) => row.id))).toEqual([[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);
      expect(first[0]).toMatchObject({ userId: alice.id, type: 'points.purchased', payload: { points: 100 }, readAt: null });
    });

    it('answers only the unread ones when asked', async () => {
      const alice = await createUser(owner.db, 'moderator');
      const ids = await seed(alice, 3);
      await sut.markRead(alice.id, [ids[1]]);

      expect((await sut.listNewestFirst(alice.id, { take: 10, unreadOnly: true })).map((row) => row.id)).toEqual([ids[2], ids[0]]);
      expect((await sut.listNewestFirst(alice.id, { take: 10 })).map((row) => row.id)).toEqual([ids[2], ids[1], ids[0]]);
    });
  });

  describe('markRead', () => {
    it("marks the user's unread ones among the ids, ignores the rest, and counts what it marked", async () => {
      const [alice, bob] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];
      const own = await seed(alice, 3);
      const [others] = await seed(bob, 1);

      expect(await sut.markRead(alice.id, [own[0], own[2], own[2], others, '900000000000000001'])).toBe(2);
      expect(await sut.markRead(alice.id, [own[0], own[1]])).toBe(1);

      expect((await storedFor(alice)).map((row) => row.read_at !== null)).toEqual([true, true, true]);
      expect((await storedFor(bob)).map((row) => row.read_at)).toEqual([null]);
    });
  });

  describe('newestAfter', () => {
    it("answers the newest of the user's notifications after an id, in id order", async () => {
      const [alice, bob] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];
      const ids = await seed(alice, 5);
      await seed(bob, 1);

      expect((await sut.newestAfter(alice.id, ids[0], 10)).map((row) => row.id)).toEqual(ids.slice(1));
      expect((await sut.newestAfter(alice.id, ids[0], 2)).map((row) => row.id)).toEqual([ids[3], ids[4]]);
      expect(await sut.newestAfter(alice.id, ids[4], 10)).toEqual([]);
    });
  });
});
