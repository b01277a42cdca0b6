import { EntityManager } from 'typeorm';
import { UsersRepository } from '../../src/users/users.repository';
import { createUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

/** An id no user has: beyond any identity this test run draws. */
const UNKNOWN_ID = '900000000000000001';


describe(UsersRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: UsersRepository;

  beforeAll(() => {
    sut = new UsersRepository(owner.transactions);
  });

  async function pointsOf(ids: string[], sql: Pick<EntityManager, 'query'> = owner.db): Promise<Record<string, number>> {
    const rows = await sql.query<Array<{ id: string; points: string }>>(`SELECT id, points FROM users WHERE id = ANY($1::bigint[])`, [ids]);
    return Object.fromEntries(rows.map((row) => [row.id, Number(row.points)]));
  }

  describe('findById', () => {
    it('reads the whole user', async () => {
      const moderator = await createUser(owner.db, 'moderator');

      const found = await sut.findById(moderator.id);

      expect(found).toMatchObject({ id: moderator.id, email: moderator.email, role: 'moderator', name: 'Test moderator', points: 0 });
    });

    it('answers null for an id no user has', async () => {
      expect(await sut.findById(UNKNOWN_ID)).toBeNull();
    });
  });

  describe('findIdentity', () => {
    it('reads only the id, the role and the e-mail', async () => {
      const admin = await createUser(owner.db, 'admin');

      expect(await sut.findIdentity(admin.id)).toEqual({ id: admin.id, role: 'admin', email: admin.email });
    });

    it('answers null for an id no user has', async () => {
      expect(await sut.findIdentity(UNKNOWN_ID)).toBeNull();
    });
  });

  describe('addPoints', () => {
    it('applies every delta in one call and answers the new balances, keyed by user', async () => {
      const [first, second, third] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];

      await owner.rolledBack(async (sql) => {
        await sut.addPoints(new Map([[third.id, 40]]));

        const balances = await sut.addPoints(new Map([[second.id, 25], [first.id, 100], [third.id, -15]]));

        expect(balances).toEqual(new Map([[first.id, 100], [second.id, 25], [third.id, 25]]));
        expect(await pointsOf([first.id, second.id, third.id], sql)).toEqual({ [first.id]: 100, [second.id]: 25, [third.id]: 25 });
      });
    });

    it('keeps a negative balance: points paid out, then taken back', async () => {
      const moderator = await createUser(owner.db, 'moderator');

      await owner.rolledBack(async (sql) => {
        expect(await sut.addPoints(new Map([[moderator.id, -30]]))).toEqual(new Map([[moderator.id, -30]]));
        expect(await pointsOf([moderator.id], sql)).toEqual({ [moderator.id]: -30 });
      });
    });

    it('leaves out a user that does not exist and changes the others', async () => {
      const moderator = await createUser(owner.db, 'moderator');

      await owner.rolledBack(async () => {
        const balances = await sut.addPoints(new Map([[UNKNOWN_ID, 5], [moderator.id, 5]]));

        expect(balances).toEqual(new Map([[moderator.id, 5]]));
      });
    });

    it('changes nothing for no deltas', async () => {
      expect(await sut.addPoints(new Map())).toEqual(new Map());
    });

    it("joins the caller's transaction: the rows stay locked until it ends, and a rollback undoes the change", async () => {
      const [first, second] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];
      const seen: boolean[] = [];

      await expect(
        owner.transactions.run(async () => {
          await sut.addPoints(new Map([[first.id, 10], [second.id, 20]]));
          seen.push(await owner.lockableElsewhere('users', first.id, 'FOR NO KEY UPDATE'), await owner.lockableElsewhere('users', second.id, 'FOR NO KEY UPDATE'));
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');

      expect(seen).toEqual([false, false]);
      expect(await owner.lockableElsewhere('users', first.id, 'FOR NO KEY UPDATE')).toBe(true);
      expect(await pointsOf([first.id, second.id])).toEqual({ [first.id]: 0, [second.id]: 0 });
    });
  });
});
