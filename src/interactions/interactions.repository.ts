import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { TransactionRunner } from '../database/transaction';
import { UsersSql } from '../users/users.sql';
import { ProfilesSql } from '../profiles/profiles.sql';
import { Interaction } from './entities/interaction.entity';

/** A client×profile pair, as interactions are looked up. */
export interface InteractionPair {
  clientId: string;
  profileId: string;
}

/** An interaction as a set-based credit needs it: locked, with its balance before the change. */
export interface LockedInteraction {
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
  /**
   * How many changes of the client's balance `balance` sums (several purchases of one batch): the
   * balance's version grows by that much. By default 1 whenever `balance` is given, 0 otherwise.
   */
  balanceChanges?: number;
}

/** How far a change moves the balance's version: every change of the balance counts, even one that nets to 0. */
export function versionStep(change: BalanceChange): number {
  return Math.trunc(change.balanceChanges ?? (change.balance === undefined ? 0 : 1));
}

export function interactionKey(clientId: string, profileId: string): string {
  return `${clientId}:${profileId}`;
}

/** Every statement on `profile_client_interactions`, inside the caller's transaction when there is one. */
@Injectable()
export class InteractionsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  findByClientAndProfile(clientId: string, profileId: string): Promise<Interaction | null> {
    return this.transactions.repository(Interaction).findOneBy({ clientId, profileId });
  }

  /**
   * Creates the interactions of `pairs` that do not exist yet, each with its profile's moderator,
   * in one statement. Only the profiles of missing interactions are read, FOR SHARE in id order
   * (the profiles module's SQL): an assignment of such a profile either committed before, and its
   * moderator is used, or waits for this transaction and then finds the new interaction among
   * those to assign. No profile is locked for an interaction that exists (a popular profile's row
   * would otherwise be locked by every purchase). A pair whose profile does not exist is skipped; one
   * that another transaction is creating at this moment makes the INSERT wait for it, then skip it.
   */
  async createMissing(pairs: readonly InteractionPair[]): Promise<void> {
    if (pairs.length === 0) return;
    await this.transactions.manager.query(
      `WITH missing AS (
         SELECT x.client_id, x.profile_id
           FROM unnest($1::bigint[], $2::bigint[]) AS x(client_id, profile_id)
          WHERE NOT EXISTS (SELECT 1 FROM profile_client_interactions i WHERE i.client_id = x.client_id AND i.profile_id = x.profile_id)
       ), profile AS (${ProfilesSql.moderatorsForShare('ARRAY(SELECT profile_id FROM missing)')})
       INSERT INTO profile_client_interactions (client_id, profile_id, moderator_id)
       SELECT m.client_id, m.profile_id, p.moderator_id
         FROM missing m JOIN profile p ON p.id = m.profile_id
        ORDER BY p.id, m.client_id
       ON CONFLICT (client_id, profile_id) DO NOTHING`,
      [pairs.map((pair) => pair.clientId), pairs.map((pair) => pair.profileId)],
    );
  }

  /**
   * The existing interactions of `pairs`, locked FOR UPDATE in id order in one statement, keyed by
   * `interactionKey`; a pair without an interaction is missing. One interaction is a batch of one.
   */
  async lockAll(pairs: readonly InteractionPair[]): Promise<Map<string, LockedInteraction>> {
    if (pairs.length === 0) return new Map();
    const locked = await this.transactions.manager.query<
      Array<{ id: string; client_id: string; profile_id: string; moderator_id: string | null; points_balance: string }>
    >(
      `SELECT i.id, i.client_id, i.profile_id, i.moderator_id, i.points_balance
         FROM profile_client_interactions i
         JOIN unnest($1::bigint[], $2::bigint[]) AS x(client_id, profile_id) ON i.client_id = x.client_id AND i.profile_id = x.profile_id
        ORDER BY i.id
          FOR UPDATE OF i`,
      [pairs.map((pair) => pair.clientId), pairs.map((pair) => pair.profileId)],
    );
    return new Map(
      locked.map((row) => [
        interactionKey(row.client_id, row.profile_id),
        { id: row.id, clientId: row.client_id, profileId: row.profile_id, moderatorId: row.moderator_id, pointsBalance: Number(row.points_balance) },
      ]),
    );
  }

  /**
   * Applies changes of the cached balances in one statement, whatever their number (one row per
   * interaction: sum the changes first). `touchedAt`, when given, becomes their last_interaction_at.
   * The balance's version moves in the same statement (versionStep): no path can change a balance
   * and forget its version.
   */
  async applyBalanceChanges(changes: ReadonlyMap<string, BalanceChange>, touchedAt?: Date): Promise<void> {
    if (changes.size === 0) return;
    const ids = [...changes.keys()];
    const of = (field: 'balance' | 'received' | 'held') => ids.map((id) => Math.trunc(changes.get(id)![field] ?? 0));
    await this.transactions.manager.query(
      `UPDATE profile_client_interactions i
          SET points_balance = i.points_balance + x.balance,
              total_points_received = i.total_points_received + x.received,
              held_points = i.held_points + x.held,
              balance_version = i.balance_version + x.versions,
              last_interaction_at = coalesce($6::timestamptz, i.last_interaction_at),
              updated_at = now()
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS x(id, balance, received, held, versions)
        WHERE i.id = x.id`,
      [ids, of('balance'), of('received'), of('held'), ids.map((id) => versionStep(changes.get(id)!)), touchedAt ?? null],
    );
  }

  /**
   * The client's balance for each profile of `pairs` and its version, keyed by `interactionKey`; a
   * pair without an interaction is missing (no balance yet: 0, version 0). Inside the caller's
   * transaction when there is one, so a transaction that changed a balance reads its own change.
   */
  async balances(pairs: readonly InteractionPair[]): Promise<Map<string, { interactionId: string; balance: number; balanceVersion: number }>> {
    if (pairs.length === 0) return new Map();
    const rows = await this.transactions.manager.query<Array<{ id: string; client_id: string; profile_id: string; points_balance: string; balance_version: string }>>(
      `SELECT i.id, i.client_id, i.profile_id, i.points_balance, i.balance_version
         FROM profile_client_interactions i
         JOIN unnest($1::bigint[], $2::bigint[]) AS x(client_id, profile_id) ON i.client_id = x.client_id AND i.profile_id = x.profile_id`,
      [pairs.map((pair) => pair.clientId), pairs.map((pair) => pair.profileId)],
    );
    return new Map(
      rows.map((row) => [
        interactionKey(row.client_id, row.profile_id),
        { interactionId: row.id, balance: Number(row.points_balance), balanceVersion: Number(row.balance_version) },
      ]),
    );
  }

  /** The interaction, locked FOR UPDATE; null when there is none. */
  lockById(id: string): Promise<Interaction | null> {
    return this.transactions.repository(Interaction).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * The profile's interactions handled by nobody — no moderator, or one who is no longer a
   * moderator (UsersSql.currentModerators) — locked FOR UPDATE in id order.
   */
  lockUnhandledOfProfile(profileId: string): Promise<Interaction[]> {
    return this.transactions
      .repository(Interaction)
      .createQueryBuilder('i')
      .where('i.profile_id = :profileId', { profileId })
      .andWhere(`(i.moderator_id IS NULL OR i.moderator_id NOT IN (${UsersSql.currentModerators}))`)
      .orderBy('i.id', 'ASC')
      .setLock('pessimistic_write')
      .getMany();
  }

  /** Gives the interactions `ids` (locked by the caller) to `moderatorId`, in one statement. */
  async setModerator(ids: readonly string[], moderatorId: string | null): Promise<void> {
    if (ids.length === 0) return;
    await this.transactions.repository(Interaction).update({ id: In([...ids]) }, { moderatorId });
  }
}
