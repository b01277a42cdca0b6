import { Injectable } from '@nestjs/common';
import { ConversationPair, conversationKey, InteractionsService } from '../interactions/interactions.service';

/** A client's balance for one profile, as the platform sees it. */
export interface BalanceSnapshot {
  /** Points the client holds for the profile (negative: a debt left by a reversal of spent points). */
  balance: number;
  /** What a spend may use now: the balance less frozen points, never below zero (none are frozen yet). */
  spendable: number;
  /** Grows by one with every change of the balance: the higher one is the later balance. */
  balanceVersion: number;
}

const NO_BALANCE: BalanceSnapshot = { balance: 0, spendable: 0, balanceVersion: 0 };

/**
 * Clients' balances for profiles with their versions. Inside a transaction that changed a balance
 * (and so holds its conversation's lock) it reads that change: the snapshot an event carries.
 */
@Injectable()
export class BalancesService {
  constructor(private readonly interactions: InteractionsService) {}

  async snapshot(clientId: string, profileId: string): Promise<BalanceSnapshot> {
    const snapshots = await this.snapshotAll([{ clientId, profileId }]);
    return snapshots.get(conversationKey(clientId, profileId))!;
  }

  /** The snapshot of every pair in one statement, keyed by `conversationKey`; a pair never credited has 0, version 0. */
  async snapshotAll(pairs: readonly ConversationPair[]): Promise<Map<string, BalanceSnapshot>> {
    const balances = await this.interactions.balances(pairs);
    return new Map(
      pairs.map(({ clientId, profileId }) => {
        const key = conversationKey(clientId, profileId);
        const found = balances.get(key);
        return [key, found ? { balance: found.balance, spendable: Math.max(found.balance, 0), balanceVersion: found.balanceVersion } : NO_BALANCE];
      }),
    );
  }
}
