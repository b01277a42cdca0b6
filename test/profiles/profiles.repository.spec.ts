import { EntityManager } from 'typeorm';
import { ProfilesError } from '../../src/profiles/profiles.errors';
import { ProfilesRepository } from '../../src/profiles/profiles.repository';
import { ProfilesService } from '../../src/profiles/profiles.service';
import { ProfilesSql } from '../../src/profiles/profiles.sql';
import { createProfile, createUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

/** An id no profile has: beyond any identity this test run draws. */
const UNKNOWN_ID = '900000000000000001';

describe(ProfilesRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: ProfilesRepository;

  beforeAll(() => {
    sut = new ProfilesRepository(owner.transactions);
  });

  async function moderatorOf(profileId: string): Promise<string | null> {
    const [row] = await owner.db.query<Array<{ moderator_id: string | null }>>(`SELECT moderator_id FROM profiles WHERE id = $1`, [profileId]);
    return row.moderator_id;
  }

  describe('findById', () => {
    it('reads the profile with its moderator', async () => {
      const moderator = await createUser(owner.db, 'moderator');
      const profile = await createProfile(owner.db, moderator, 'Ines');

      expect(await sut.findById(profile.id)).toMatchObject({ id: profile.id, name: 'Ines', moderatorId: moderator.id });
    });

    it('answers null for an id no profile has', async () => {
      expect(await sut.findById(UNKNOWN_ID)).toBeNull();
    });
  });

  describe('setModerator', () => {
    it("changes the profile's moderator, or removes it", async () => {
      const [before, after] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];
      const profile = await createProfile(owner.db, before);

      expect(await sut.setModerator(profile.id, after.id)).toBe(true);
      expect(await moderatorOf(profile.id)).toBe(after.id);
      expect(await sut.setModerator(profile.id, null)).toBe(true);
      expect(await moderatorOf(profile.id)).toBeNull();
    });

    it('answers false, changing nothing, for a profile that does not exist', async () => {
      expect(await sut.setModerator(UNKNOWN_ID, null)).toBe(false);
    });

    it("locks the profile until the caller's transaction ends", async () => {
      const profile = await createProfile(owner.db, null);
      const moderator = await createUser(owner.db, 'moderator');
      let lockable: boolean | undefined;

      await owner.transactions.run(async () => {
        await sut.setModerator(profile.id, moderator.id);
        lockable = await owner.lockableElsewhere('profiles', profile.id, 'FOR SHARE');
      });

      expect(lockable).toBe(false);
      expect(await owner.lockableElsewhere('profiles', profile.id, 'FOR SHARE')).toBe(true);
    });
  });

  describe('ProfilesSql.moderatorsForShare', () => {
    const read = (db: Pick<EntityManager, 'query'>, ids: string[] | null) =>
      db.query<Array<{ id: string; moderator_id: string | null }>>(ProfilesSql.moderatorsForShare('$1::bigint[]'), [ids]);

    it('answers the moderator of every existing profile among the ids, in id order, and leaves out the others', async () => {
      const moderator = await createUser(owner.db, 'moderator');
      const [handled, unhandled] = [await createProfile(owner.db, moderator), await createProfile(owner.db, null)];

      expect(await read(owner.db, [unhandled.id, UNKNOWN_ID, handled.id, unhandled.id])).toEqual([
        { id: handled.id, moderator_id: moderator.id },
        { id: unhandled.id, moderator_id: null },
      ]);
      expect(await read(owner.db, null)).toEqual([]);
    });

    it("holds the profiles FOR SHARE until the transaction ends: nobody can change them, others can still read them so", async () => {
      const [first, second] = [await createProfile(owner.db, null), await createProfile(owner.db, null)];
      const seen: boolean[] = [];

      await owner.transactions.run(async () => {
        const manager = owner.transactions.manager;
        await read(manager, [second.id, first.id]);
        seen.push(
          await owner.lockableElsewhere('profiles', first.id, 'FOR UPDATE'),
          await owner.lockableElsewhere('profiles', second.id, 'FOR UPDATE'),
          await owner.lockableElsewhere('profiles', first.id, 'FOR SHARE'),
        );
      });

      expect(seen).toEqual([false, false, true]);
      expect(await owner.lockableElsewhere('profiles', first.id, 'FOR UPDATE')).toBe(true);
    });
  });
});

describe(ProfilesService.name, () => {
  const owner = useOwnerDatabase();
  let sut: ProfilesService;

  beforeAll(() => {
    sut = new ProfilesService(new ProfilesRepository(owner.transactions));
  });

  it('answers PROFILE_NOT_FOUND for an unknown id and for text that is no id, without a database error', async () => {
    await expect(sut.get(UNKNOWN_ID)).rejects.toBeInstanceOf(ProfilesError);
    await expect(sut.get('not-an-id')).rejects.toBeInstanceOf(ProfilesError);
    await expect(sut.setModerator('99999999999999999999', null)).rejects.toBeInstanceOf(ProfilesError);
  });
});
