import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { ProfilesService } from '../profiles/profiles.service';
import { Interaction } from './entities/interaction.entity';

export interface BalanceChange {
  /** The client's spendable points for the profile. */
  balance?: number;
  /** Points bought for the profile, net of reversals. */
  received?: number;
  /** Earnings waiting for a moderator. */
  held?: number;
}

@Injectable()
export class InteractionsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly profiles: ProfilesService,
  ) {}

  findByClientAndProfile(clientId: string, profileId: string): Promise<Interaction | null> {
    return this.transactions.repository(Interaction).findOneBy({ clientId, profileId });
  }

  /**
   * The client×profile conversation, created on first use with the profile's moderator, and locked
   * FOR UPDATE until the caller's transaction ends. Must run inside a transaction.
   */
  async lockOrCreate(clientId: string, profileId: string): Promise<Interaction> {
    const existing = await this.lockExisting(clientId, profileId);
    if (existing) return existing;
    // FOR SHARE: a moderator assignment of the profile either committed before (and is read here) or
    // waits for this transaction, and then finds the new conversation among those to assign.
    const repository = this.transactions.repository(Interaction);
    const profile = await this.profiles.getShared(profileId);
    await repository
      .createQueryBuilder()
      .insert()
      .values({ clientId, profileId, moderatorId: profile.moderatorId })
      .orIgnore()
      .execute();
    return repository.findOneOrFail({ where: { clientId, profileId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The conversation locked FOR UPDATE, or null when the client never bought points for the profile. */
  lockExisting(clientId: string, profileId: string): Promise<Interaction | null> {
    return this.transactions.repository(Interaction).findOne({ where: { clientId, profileId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Applies a change of the cached balances; the caller writes the matching ledger rows. */
  async applyBalanceChange(interactionId: string, change: BalanceChange, touchedAt?: Date): Promise<void> {
    const set: Record<string, () => string> = {};
    if (change.balance) set.pointsBalance = () => `points_balance + ${Math.trunc(change.balance!)}`;
    if (change.received) set.totalPointsReceived = () => `total_points_received + ${Math.trunc(change.received!)}`;
    if (change.held) set.heldPoints = () => `held_points + ${Math.trunc(change.held!)}`;
    const values = touchedAt ? { ...set, lastInteractionAt: touchedAt } : set;
    if (Object.keys(values).length === 0) return;
    await this.transactions
      .repository(Interaction)
      .createQueryBuilder()
      .update()
      .set(values)
      .where('id = :interactionId', { interactionId })
      .execute();
  }
}
