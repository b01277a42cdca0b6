import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { Interaction } from './entities/interaction.entity';

/** A conversation as a set-based credit needs it: locked, with its balance before the change. */
export interface LockedConversation {
  id: string;
  clientId: string;
  profileId: string;
  moderatorId: string | null;
  pointsBalance: number;
}

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
  constructor(private readonly transactions: TransactionRunner) {}

  findByClientAndProfile(clientId: string, profileId: string): Promise<Interaction | null> {
    return this.transactions.repository(Interaction).findOneBy({ clientId, profileId });
  }

  /** The conversation locked FOR UPDATE, or null when the client never bought points for the profile. */
  lockExisting(clientId: string, profileId: string): Promise<Interaction | null> {
    return this.transactions.repository(Interaction).findOne({ where: { clientId, profileId }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * The client×profile conversations, created on first use with their profile's moderator and all
   * locked FOR UPDATE, in two statements and in the lock order of ARCHITECTURE.md (profile →
   * conversation): first the missing ones are created, their profiles read FOR SHARE in id order
   * (an assignment of the profile either committed before, and its moderator is used, or waits for
   * this transaction and then finds the new conversation among those to assign); only then are the
   * conversations, new and existing, locked in id order. Locking an existing conversation before
   * the profile of a new one could deadlock with an assignment, which locks the profile first.
   * Keyed by `conversationKey`; a pair whose profile does not exist is missing. Must run inside a
   * transaction. One conversation is a batch of one.
   */
  async lockOrCreateAll(pairs: ReadonlyArray<{ clientId: string; profileId: string }>): Promise<Map<string, LockedConversation>> {
    const unique = [...new Map(pairs.map((pair) => [conversationKey(pair.clientId, pair.profileId), pair])).values()];
    const clientIds = unique.map((pair) => pair.clientId);
    const profileIds = unique.map((pair) => pair.profileId);
    // No profile is locked for a conversation that exists (the NOT EXISTS filter). One that another
    // transaction is creating at this moment makes the INSERT wait for it, then skip it.
    await this.transactions.manager.query(
      `INSERT INTO profile_client_interactions (client_id, profile_id, moderator_id)
       SELECT x.client_id, x.profile_id, p.moderator_id
         FROM unnest($1::bigint[], $2::bigint[]) AS x(client_id, profile_id) JOIN profiles p ON p.id = x.profile_id
        WHERE NOT EXISTS (SELECT 1 FROM profile_client_interactions i WHERE i.client_id = x.client_id AND i.profile_id = x.profile_id)
        ORDER BY p.id, x.client_id
          FOR SHARE OF p
       ON CONFLICT (client_id, profile_id) DO NOTHING`,
      [clientIds, profileIds],
    );
    const locked = await this.transactions.manager.query<
      Array<{ id: string; client_id: string; profile_id: string; moderator_id: string | null; points_balance: string }>
    >(
      `SELECT i.id, i.client_id, i.profile_id, i.moderator_id, i.points_balance
         FROM profile_client_interactions i
         JOIN unnest($1::bigint[], $2::bigint[]) AS x(client_id, profile_id) ON i.client_id = x.client_id AND i.profile_id = x.profile_id
        ORDER BY i.id
          FOR UPDATE OF i`,
      [clientIds, profileIds],
    );
    return new Map(
      locked.map((row) => [
        conversationKey(row.client_id, row.profile_id),
        { id: row.id, clientId: row.client_id, profileId: row.profile_id, moderatorId: row.moderator_id, pointsBalance: Number(row.points_balance) },
      ]),
    );
  }

  /**
   * Applies changes of the cached balances in one statement, whatever their number (a single change
   * is a map of one; one row per conversation: sum the changes first). The caller has locked the
   * conversations and writes the matching ledger rows. `touchedAt`, when given, becomes their
   * last_interaction_at.
   */
  async applyBalanceChanges(changes: ReadonlyMap<string, BalanceChange>, touchedAt?: Date): Promise<void> {
    if (changes.size === 0) return;
    const ids = [...changes.keys()];
    const of = (field: keyof BalanceChange) => ids.map((id) => Math.trunc(changes.get(id)![field] ?? 0));
    await this.transactions.manager.query(
      `UPDATE profile_client_interactions i
          SET points_balance = i.points_balance + x.balance,
              total_points_received = i.total_points_received + x.received,
              held_points = i.held_points + x.held,
              last_interaction_at = coalesce($5::timestamptz, i.last_interaction_at),
              updated_at = now()
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS x(id, balance, received, held)
        WHERE i.id = x.id`,
      [ids, of('balance'), of('received'), of('held'), touchedAt ?? null],
    );
  }
}

export function conversationKey(clientId: string, profileId: string): string {
  return `${clientId}:${profileId}`;
}
