import { EntityManager } from 'typeorm';
import { InteractionsRepository } from '../../src/interactions/interactions.repository';
import { interactionKey } from '../../src/interactions/interactions.service';
import { createProfile, createUser, TestProfile, TestUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

interface InteractionRow {
  id: string;
  client_id: string;
  profile_id: string;
  moderator_id: string | null;
  points_balance: string;
  total_points_received: string;
  held_points: string;
  last_interaction_at: Date | null;
}


describe(InteractionsRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: InteractionsRepository;
  let moderator: TestUser;
  let profile: TestProfile;

  beforeAll(async () => {
    sut = new InteractionsRepository(owner.transactions);
    moderator = await createUser(owner.db, 'moderator');
    profile = await createProfile(owner.db, moderator);
  });

  async function interaction(client: TestUser, of: TestProfile = profile, moderatorId: string | null = of.moderatorId): Promise<InteractionRow> {
    const [row] = await owner.db.query<InteractionRow[]>(
      `INSERT INTO profile_client_interactions (client_id, profile_id, moderator_id) VALUES ($1, $2, $3) RETURNING *`,
      [client.id, of.id, moderatorId],
    );
    return row;
  }

  async function rowsOf(clients: TestUser[], sql: Pick<EntityManager, 'query'> = owner.db): Promise<InteractionRow[]> {
    return sql.query<InteractionRow[]>(`SELECT * FROM profile_client_interactions WHERE client_id = ANY($1::bigint[]) ORDER BY id`, [
      clients.map((client) => client.id),
    ]);
  }

  async function clients(count: number): Promise<TestUser[]> {
    const made: TestUser[] = [];
    for (let i = 0; i < count; i++) made.push(await createUser(owner.db, 'client'));
    return made;
  }

  describe('createMissing', () => {
    it("creates every missing interaction in one call with its profile's moderator, in (profile, client) order", async () => {
      const other = await createProfile(owner.db, null);
      const [first, second] = await clients(2);

      await sut.createMissing([
        { clientId: second.id, profileId: other.id },
        { clientId: second.id, profileId: profile.id },
        { clientId: first.id, profileId: profile.id },
      ]);

      const rows = await rowsOf([first, second]);
      expect(rows.map((row) => [row.client_id, row.profile_id, row.moderator_id, row.points_balance])).toEqual([
        [first.id, profile.id, moderator.id, '0'],
        [second.id, profile.id, moderator.id, '0'],
        [second.id, other.id, null, '0'],
      ]);
    });

    it('leaves an existing interaction as it is, creates a pair given twice once, and skips a profile that does not exist', async () => {
      const [known, fresh] = await clients(2);
      const existing = await interaction(known, profile, null);

      await sut.createMissing([
        { clientId: known.id, profileId: profile.id },
        { clientId: fresh.id, profileId: profile.id },
        { clientId: fresh.id, profileId: profile.id },
        { clientId: fresh.id, profileId: '900000000000000001' },
      ]);

      const rows = await rowsOf([known, fresh]);
      expect(rows.map((row) => [row.id === existing.id, row.client_id, row.moderator_id])).toEqual([
        [true, known.id, null],
        [false, fresh.id, moderator.id],
      ]);
    });
  });

  describe('lockAll', () => {
    it('answers the existing interactions of many pairs, keyed by client and profile, with their balances; a missing pair is absent', async () => {
      const [first, second, absent] = await clients(3);
      const one = await interaction(first);
      const two = await interaction(second, profile, null);

      await owner.rolledBack(async (sql) => {
        await sql.query(`UPDATE profile_client_interactions SET points_balance = 70 WHERE id = $1`, [two.id]);

        const locked = await sut.lockAll([
          { clientId: second.id, profileId: profile.id },
          { clientId: absent.id, profileId: profile.id },
          { clientId: first.id, profileId: profile.id },
        ]);

        expect(locked).toEqual(
          new Map([
            [interactionKey(first.id, profile.id), { id: one.id, clientId: first.id, profileId: profile.id, moderatorId: moderator.id, pointsBalance: 0 }],
            [interactionKey(second.id, profile.id), { id: two.id, clientId: second.id, profileId: profile.id, moderatorId: null, pointsBalance: 70 }],
          ]),
        );
      });
    });

    it("holds every interaction FOR UPDATE until the caller's transaction ends", async () => {
      const [first, second] = await clients(2);
      const [one, two] = [await interaction(first), await interaction(second)];
      const seen: boolean[] = [];

      await owner.transactions.run(async () => {
        await sut.lockAll([
          { clientId: first.id, profileId: profile.id },
          { clientId: second.id, profileId: profile.id },
        ]);
        seen.push(await owner.lockableElsewhere('profile_client_interactions', one.id), await owner.lockableElsewhere('profile_client_interactions', two.id));
      });

      expect(seen).toEqual([false, false]);
      expect(await owner.lockableElsewhere('profile_client_interactions', one.id)).toBe(true);
    });
  });

  describe('applyBalanceChanges', () => {
    it('applies the changes of many interactions in one call, each field to its column', async () => {
      const [first, second] = await clients(2);
      const [one, two] = [await interaction(first), await interaction(second)];
      const touchedAt = new Date('2026-01-02T03:04:05.000Z');

      await owner.rolledBack(async (sql) => {
        await sut.applyBalanceChanges(
          new Map([
            [one.id, { balance: 100, received: 100 }],
            [two.id, { balance: -5, held: 40 }],
          ]),
          touchedAt,
        );
        await sut.applyBalanceChanges(new Map([[one.id, { balance: -30 }]]));

        const rows = await rowsOf([first, second], sql);
        expect(rows.map((row) => [row.points_balance, row.total_points_received, row.held_points, row.last_interaction_at?.toISOString()])).toEqual([
          ['70', '100', '0', touchedAt.toISOString()],
          ['-5', '0', '40', touchedAt.toISOString()],
        ]);
      });
    });
  });

  describe('balance versions', () => {
    it('moves the version with every change of the balance, by the number of changes a batch sums, and not for the hold alone', async () => {
      const [first, second] = await clients(2);
      const [one, two] = [await interaction(first), await interaction(second)];

      await owner.rolledBack(async () => {
        await sut.applyBalanceChanges(new Map([[one.id, { balance: 100, received: 100 }]]));
        // Two purchases of one batch, summed by the caller; and a change that nets to zero still counts.
        await sut.applyBalanceChanges(
          new Map([
            [one.id, { balance: 300, received: 300, balanceChanges: 2 }],
            [two.id, { balance: 0 }],
          ]),
        );
        // Held points going to a moderator change no client balance.
        await sut.applyBalanceChanges(new Map([[one.id, { held: -50 }]]));

        const balances = await sut.balances([
          { clientId: first.id, profileId: profile.id },
          { clientId: second.id, profileId: profile.id },
          { clientId: second.id, profileId: '999999999' },
        ]);
        expect(Object.fromEntries(balances)).toEqual({
          [interactionKey(first.id, profile.id)]: { interactionId: one.id, balance: 400, balanceVersion: 3 },
          [interactionKey(second.id, profile.id)]: { interactionId: two.id, balance: 0, balanceVersion: 1 },
        });
      });
    });
  });

  describe('findByClientAndProfile', () => {
    it("reads the client's interaction with the profile, or null", async () => {
      const [known, unknown] = await clients(2);
      const existing = await interaction(known);

      expect(await sut.findByClientAndProfile(known.id, profile.id)).toMatchObject({ id: existing.id, moderatorId: moderator.id, pointsBalance: 0 });
      expect(await sut.findByClientAndProfile(unknown.id, profile.id)).toBeNull();
    });
  });

  describe('assignment', () => {
    it("locks the profile's interactions handled by nobody, in id order, and only those", async () => {
      const own = await createProfile(owner.db, null);
      const [first, second, third] = await clients(3);
      const one = await interaction(first, own, null);
      await interaction(second, own, moderator.id);
      const three = await interaction(third, own, null);
      const seen: boolean[] = [];

      const unhandled = await owner.transactions.run(async () => {
        const found = await sut.lockUnhandledOfProfile(own.id);
        seen.push(await owner.lockableElsewhere('profile_client_interactions', one.id), await owner.lockableElsewhere('profile_client_interactions', three.id));
        return found;
      });

      expect(unhandled.map((row) => row.id)).toEqual([one.id, three.id]);
      expect(seen).toEqual([false, false]);
    });

    it('locks one interaction by id, and sets the moderator of many in one call', async () => {
      const [client, other, untouched] = await clients(3);
      const row = await interaction(client, profile, null);
      const second = await interaction(other, profile, null);
      await interaction(untouched, profile, null);
      let lockable: boolean | undefined;

      const found = await owner.transactions.run(async () => {
        const interaction = await sut.lockById(row.id);
        lockable = await owner.lockableElsewhere('profile_client_interactions', row.id);
        await sut.setModerator([row.id, second.id], moderator.id);
        return interaction;
      });

      expect(found).toMatchObject({ id: row.id, clientId: client.id, moderatorId: null });
      expect(lockable).toBe(false);
      expect((await rowsOf([client, other, untouched])).map((interaction) => interaction.moderator_id)).toEqual([moderator.id, moderator.id, null]);
      expect(await owner.transactions.run(() => sut.lockById('900000000000000001'))).toBeNull();
    });
  });
});
