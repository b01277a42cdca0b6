import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { User } from './user.entity';
import { UsersSql } from './users.sql';

/** What authentication needs of a user. */
export type UserIdentity = Pick<User, 'id' | 'role' | 'email'>;

/** Who a user is, without the cached balance. */
export type UserProfile = Pick<User, 'id' | 'email' | 'name' | 'role'>;

/** Every statement on `users`, inside the caller's transaction when there is one. */
@Injectable()
export class UsersRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  findById(id: string): Promise<User | null> {
    return this.transactions.repository(User).findOneBy({ id });
  }

  /** The users with these emails, in id order. */
  findByEmails(emails: readonly string[]): Promise<UserProfile[]> {
    return this.transactions.manager.query<UserProfile[]>(`SELECT id, email, name, role FROM users WHERE email = ANY($1::text[]) ORDER BY id`, [emails]);
  }

  /** Creates the users whose email is not taken yet, in one statement; the others are left as they are. */
  async createMissing(users: ReadonlyArray<Omit<UserProfile, 'id'>>): Promise<void> {
    if (users.length === 0) return;
    await this.transactions.manager.query(
      `INSERT INTO users (email, name, role)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT ON CONSTRAINT uq_users_email DO NOTHING`,
      [users.map((user) => user.email), users.map((user) => user.name), users.map((user) => user.role)],
    );
  }

  /** Only the columns authentication reads. */
  async findIdentity(id: string): Promise<UserIdentity | null> {
    const user = await this.transactions.repository(User).findOne({ where: { id }, select: { id: true, role: true, email: true } });
    return user && { id: user.id, role: user.role, email: user.email };
  }

  /** The identities of those of `ids` who still exist, fresh (no cache): what open sockets are checked against. */
  findIdentities(ids: readonly string[]): Promise<UserIdentity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.transactions.manager.query<UserIdentity[]>(`SELECT id, role, email FROM users WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Those of `ids` who are moderators now. */
  async currentModerators(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.transactions.manager.query<Array<{ id: string }>>(`${UsersSql.currentModerators} AND id = ANY($1::bigint[])`, [ids]);
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Adds each delta to its user's cached points and returns the new balances, keyed by user id; a
   * user that does not exist is left out. One statement however many users; with more than one,
   * the rows are locked in id order first, so two transactions never lock users in opposite orders.
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
