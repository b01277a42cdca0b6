import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { User } from './user.entity';
import { Role } from './user-role';
import { ExpiringLookupCache, USER_LOOKUP_CACHE_MAX_ENTRIES, USER_LOOKUP_CACHE_SECONDS } from './user-lookup-cache';

/** What authentication needs of a user. */
export type UserIdentity = Pick<User, 'id' | 'role' | 'email'>;

@Injectable()
export class UsersService {
  private readonly identities = new ExpiringLookupCache<UserIdentity>(USER_LOOKUP_CACHE_SECONDS * 1000, USER_LOOKUP_CACHE_MAX_ENTRIES);

  constructor(private readonly transactions: TransactionRunner) {}

  findById(id: string): Promise<User | null> {
    return this.transactions.repository(User).findOneBy({ id });
  }

  /**
   * The user behind a bearer token, read from the database at most once per
   * USER_LOOKUP_CACHE_SECONDS (5 s) per user and instance: every authenticated request and socket
   * handshake asks, and a deleted user (or a changed role) takes effect within that time.
   */
  findIdentity(id: string): Promise<UserIdentity | null> {
    return this.identities.get(id, async (key) => {
      const user = await this.transactions.repository(User).findOne({ where: { id: key }, select: { id: true, role: true, email: true } });
      return user && { id: user.id, role: user.role, email: user.email };
    });
  }

  async isModerator(id: string): Promise<boolean> {
    const user = await this.findById(id);
    return user?.role === Role.Moderator;
  }

  /**
   * Adds to a moderator's cached balance when the current transaction is about to commit, summed per
   * moderator: a busy moderator's row is locked only for the final moments of each transaction, and
   * written once however many changes it had (see `addPoints`).
   */
  addPointsAtCommit(userId: string, delta: number): void {
    const deltas = this.transactions.deferUntilCommit(
      'users.points',
      () => new Map<string, number>(),
      async (pending) => {
        const changed = new Map([...pending.entries()].filter(([, sum]) => sum !== 0));
        await this.addPoints(changed);
      },
    );
    deltas.set(userId, (deltas.get(userId) ?? 0) + delta);
  }

  /**
   * Changes moderators' cached balances now and returns the new ones, keyed by user id; only the
   * points module calls it, next to its ledger rows. One statement however many moderators (a single
   * change is a map of one); with more than one, the rows are locked in id order first, so two
   * transactions never lock moderators in opposite orders. A negative result is kept: it records
   * points paid out then taken back.
   */
  async addPoints(deltas: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    if (deltas.size === 0) return new Map();
    const ids = [...deltas.keys()];
    if (ids.length > 1) await this.transactions.manager.query(`SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE`, [ids]);
    const rows = await this.transactions.manager.query<Array<{ id: string; points: string }>>(
      // In a WITH, so that the driver answers the rows themselves (for an UPDATE it adds the count).
      `WITH changed AS (
         UPDATE users u SET points = u.points + x.delta, updated_at = now()
           FROM unnest($1::bigint[], $2::bigint[]) AS x(id, delta)
          WHERE u.id = x.id
         RETURNING u.id, u.points
       )
       SELECT id, points FROM changed`,
      [ids, ids.map((id) => Math.trunc(deltas.get(id)!))],
    );
    return new Map(rows.map((row) => [row.id, Number(row.points)]));
  }
}
