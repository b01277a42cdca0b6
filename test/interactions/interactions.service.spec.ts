import { InteractionsRepository } from '../../src/interactions/interactions.repository';
import { interactionKey, InteractionsService, LockedInteraction } from '../../src/interactions/interactions.service';
import { createProfile, createUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

/** Interactions created (their profiles read through the profiles module's SQL) and locked, on the real database. */
describe(InteractionsService.name, () => {
  const owner = useOwnerDatabase();
  let sut: InteractionsService;

  beforeAll(() => {
    sut = new InteractionsService(new InteractionsRepository(owner.transactions));
  });

  describe('lockOrCreateAll', () => {
    it("creates the missing interactions with their profile's moderator, keeps the existing ones, and leaves out a profile that does not exist", async () => {
      const moderator = await createUser(owner.db, 'moderator');
      const [handled, unhandled] = [await createProfile(owner.db, moderator), await createProfile(owner.db, null)];
      const [client, other] = [await createUser(owner.db), await createUser(owner.db)];

      // Rolled back: a balance without its ledger rows must not outlive the test (the run's e2e
      // suites check the ledger against the cached balances).
      const rollback = new Error('rolled back');
      let existing: { id: string } | undefined;
      let locked = new Map<string, LockedInteraction>();
      await expect(
        owner.transactions.run(async () => {
          const manager = owner.transactions.manager;
          [existing] = await manager.query<Array<{ id: string }>>(
            `INSERT INTO profile_client_interactions (client_id, profile_id, moderator_id, points_balance) VALUES ($1, $2, NULL, 12) RETURNING id`,
            [other.id, handled.id],
          );
          locked = await sut.lockOrCreateAll([
            { clientId: client.id, profileId: handled.id },
            { clientId: client.id, profileId: unhandled.id },
            { clientId: other.id, profileId: handled.id },
            { clientId: client.id, profileId: '900000000000000001' },
            { clientId: client.id, profileId: handled.id },
          ]);
          throw rollback;
        }),
      ).rejects.toBe(rollback);

      expect([...locked.keys()].sort()).toEqual(
        [interactionKey(client.id, handled.id), interactionKey(client.id, unhandled.id), interactionKey(other.id, handled.id)].sort(),
      );
      expect(locked.get(interactionKey(client.id, handled.id))).toMatchObject({ moderatorId: moderator.id, pointsBalance: 0 });
      expect(locked.get(interactionKey(client.id, unhandled.id))).toMatchObject({ moderatorId: null, pointsBalance: 0 });
      expect(locked.get(interactionKey(other.id, handled.id))).toEqual({
        id: existing?.id,
        clientId: other.id,
        profileId: handled.id,
        moderatorId: null,
        pointsBalance: 12,
      });
    });

    it('reads FOR SHARE the profile of an interaction it creates, and no profile when every interaction exists', async () => {
      const profile = await createProfile(owner.db, null);
      const client = await createUser(owner.db);
      const seen: boolean[] = [];

      for (let i = 0; i < 2; i++) {
        await owner.transactions.run(async () => {
          await sut.lockOrCreateAll([{ clientId: client.id, profileId: profile.id }]);
          seen.push(await owner.lockableElsewhere('profiles', profile.id));
        });
      }

      expect(seen).toEqual([false, true]);
    });
  });

  describe('lockExisting', () => {
    it('locks the interaction when there is one, and creates none', async () => {
      const profile = await createProfile(owner.db, null);
      const [client, stranger] = [await createUser(owner.db), await createUser(owner.db)];
      const created = await owner.transactions.run(() => sut.lockOrCreateAll([{ clientId: client.id, profileId: profile.id }]));

      expect(await owner.transactions.run(() => sut.lockExisting(client.id, profile.id))).toEqual(created.get(interactionKey(client.id, profile.id)));
      expect(await owner.transactions.run(() => sut.lockExisting(stranger.id, profile.id))).toBeNull();
      expect(await sut.findByClientAndProfile(stranger.id, profile.id)).toBeNull();
    });
  });
});
