import { Injectable } from '@nestjs/common';
import { InteractionsService } from '../interactions/interactions.service';
import { LedgerAccount } from './ledger-accounts';
import { LedgerReports } from './ledger-reports.queries';

/** A client's balance for one profile, as the platform's backend reads it (SPEC §10). */
export interface BalanceSnapshot {
  /** Points of the client for the profile; negative when reversals took back points already spent. */
  balance: number;
  /** What a spend can use now: the balance, never below zero (frozen points, once they exist, are left out). */
  spendable: number;
  /** Grows with every change of this balance: a reader keeps the answer with the highest version. */
  balanceVersion: number;
}

/**
 * Balances as the platform's backend sees them. The version is the number of ledger transfers that
 * moved the client's account for the profile: the ledger is append-only and every change of the
 * balance is one transfer of that account, so the count only grows, and grows with each change.
 */
@Injectable()
export class BalancesService {
  constructor(
    private readonly interactions: InteractionsService,
    private readonly ledger: LedgerReports,
  ) {}

  /** The balance and its version read together: read again if the balance moved in between. */
  async snapshot(clientId: string, profileId: string): Promise<BalanceSnapshot> {
    for (;;) {
      const interaction = await this.interactions.findByClientAndProfile(clientId, profileId);
      if (!interaction) return { balance: 0, spendable: 0, balanceVersion: 0 };
      const account = LedgerAccount.client(interaction.id);
      const version = await this.ledger.movementsOf(account);
      const again = await this.interactions.findByClientAndProfile(clientId, profileId);
      if (again && again.pointsBalance === interaction.pointsBalance && (await this.ledger.movementsOf(account)) === version) {
        return { balance: interaction.pointsBalance, spendable: Math.max(interaction.pointsBalance, 0), balanceVersion: version };
      }
    }
  }
}
