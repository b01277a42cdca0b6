import { Injectable } from '@nestjs/common';
import { Interaction } from './entities/interaction.entity';
import { BalanceChange, InteractionPair, interactionKey, InteractionsRepository, LockedInteraction } from './interactions.repository';

export type { BalanceChange, InteractionPair, LockedInteraction } from './interactions.repository';
export { interactionKey } from './interactions.repository';

@Injectable()
export class InteractionsService {
  constructor(private readonly repository: InteractionsRepository) {}

  findByClientAndProfile(clientId: string, profileId: string): Promise<Interaction | null> {
    return this.repository.findByClientAndProfile(clientId, profileId);
  }

  /** The interaction locked FOR UPDATE, or null when the client never bought points for the profile. */
  async lockExisting(clientId: string, profileId: string): Promise<LockedInteraction | null> {
    const locked = await this.repository.lockAll([{ clientId, profileId }]);
    return locked.get(interactionKey(clientId, profileId)) ?? null;
  }

  /**
   * The client×profile interactions, created on first use with their profile's moderator and all
   * locked FOR UPDATE, in the lock order of ARCHITECTURE.md (profile → interaction): first the
   * missing ones are created, their profiles read FOR SHARE in id order (an assignment of the
   * profile either committed before, and its moderator is used, or waits for this transaction and
   * then finds the new interaction among those to assign); only then are the interactions, new
   * and existing, locked in id order. Locking an existing interaction before the profile of a new
   * one could deadlock with an assignment, which locks the profile first. Keyed by
   * `interactionKey`; a pair whose profile does not exist is missing. Must run inside a
   * transaction. One interaction is a batch of one.
   */
  async lockOrCreateAll(pairs: readonly InteractionPair[]): Promise<Map<string, LockedInteraction>> {
    const unique = [...new Map(pairs.map((pair) => [interactionKey(pair.clientId, pair.profileId), pair])).values()];
    await this.repository.createMissing(unique);
    return this.repository.lockAll(unique);
  }

  /**
   * Applies changes of the cached balances in one statement, whatever their number (a single change
   * is a map of one; one row per interaction: sum the changes first). The caller has locked the
   * interactions and writes the matching ledger rows. `touchedAt`, when given, becomes their
   * last_interaction_at.
   */
  applyBalanceChanges(changes: ReadonlyMap<string, BalanceChange>, touchedAt?: Date): Promise<void> {
    return this.repository.applyBalanceChanges(changes, touchedAt);
  }

  /** The clients' balances for the profiles of `pairs` with their versions, keyed by `interactionKey` (see the repository). */
  balances(pairs: readonly InteractionPair[]): Promise<Map<string, { interactionId: string; balance: number; balanceVersion: number }>> {
    return this.repository.balances(pairs);
  }
}
