import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { Role, User } from './user.entity';
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
   * moderator: a busy moderator's row is locked only for the final moments of each transaction. The
   * rows are locked in id order first, so two transactions never lock moderators in opposite orders,
   * then all written in one statement however many moderators there are.
   */
  addPointsAtCommit(userId: string, delta: number): void {
    const deltas = this.transactions.deferUntilCommit(
      'users.points',
      () => new Map<string, number>(),
      async (pending) => {
        const changed = [...pending.entries()].filter(([, sum]) => sum !== 0);
        if (changed.length === 0) return;
        const ids = changed.map(([id]) => id);
        if (ids.length > 1) await this.transactions.manager.query(`SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE`, [ids]);
        await this.transactions.manager.query(
          `UPDATE users u SET points = u.points + x.delta, updated_at = now()
             FROM unnest($1::bigint[], $2::bigint[]) AS x(id, delta)
            WHERE u.id = x.id`,
          [ids, changed.map(([, sum]) => Math.trunc(sum))],
        );
      },
    );
    deltas.set(userId, (deltas.get(userId) ?? 0) + delta);
  }

  /**
   * Changes a moderator's cached balance and returns the new one; only the points module calls it,
   * next to its ledger rows. A negative result is kept: it records points paid out then taken back.
   */
  async addPoints(userId: string, delta: number): Promise<number> {
    const result = await this.transactions
      .repository(User)
      .createQueryBuilder()
      .update()
      .set({ points: () => `points + ${Math.trunc(delta)}` })
      .where('id = :userId', { userId })
      .returning(['points'])
      .execute();
    const [row] = result.raw as Array<{ points: string }>;
    return Number(row.points);
  }
}
