import { Injectable } from '@nestjs/common';
import { InteractionPair, interactionKey, InteractionsService } from '../interactions/interactions.service';
import { LotsService } from './lots/lots.service';

/** A client's balance for one profile, as the platform sees it. */
export interface BalanceSnapshot {
  /** Points the client holds for the profile (negative: a debt left by a reversal of spent points). */
  balance: number;
  /** What a spend may use now: the balance less the unspent points an early fraud warning froze, never below zero. */
  spendable: number;
  /** Grows by one with every change of the balance or of what is frozen of it: the higher one is the later. */
  balanceVersion: number;
}

const NO_BALANCE: BalanceSnapshot = { balance: 0, spendable: 0, balanceVersion: 0 };

/**
 * Clients' balances for profiles with their versions. Inside a transaction that changed a balance
 * (and so holds its interaction's lock) it reads that change: the snapshot an event carries.
 */
@Injectable()
export class BalancesService {
  constructor(
    private readonly interactions: InteractionsService,
    private readonly lots: LotsService,
  ) {}

  async snapshot(clientId: string, profileId: string): Promise<BalanceSnapshot> {
    const snapshots = await this.snapshotAll([{ clientId, profileId }]);
    return snapshots.get(interactionKey(clientId, profileId))!;
  }

  /** The snapshot of every pair, keyed by `interactionKey` (two statements); a pair never credited has 0, version 0. */
  async snapshotAll(pairs: readonly InteractionPair[]): Promise<Map<string, BalanceSnapshot>> {
    const balances = await this.interactions.balances(pairs);
    const unspent = await this.lots.unspentKinds([...balances.values()].map((found) => found.interactionId));
    return new Map(
      pairs.map(({ clientId, profileId }) => {
        const key = interactionKey(clientId, profileId);
        const found = balances.get(key);
        if (!found) return [key, NO_BALANCE];
        const frozen = unspent.get(found.interactionId)?.frozen ?? 0;
        return [key, { balance: found.balance, spendable: Math.max(found.balance - frozen, 0), balanceVersion: found.balanceVersion }];
      }),
    );
  }
}
