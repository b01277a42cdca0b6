import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { User } from './user.entity';
import { UsersSql } from './users.sql';

import { Role } from './user-role';

/** What authentication needs of a user. */
export type UserIdentity = Pick<User, 'id' | 'role' | 'email'>;

/** Who a user is, without the cached balance. */
export type UserProfile = Pick<User, 'id' | 'email' | 'name' | 'role'>;

/** A user as the platform gives it: its id, its role, and the name and e-mail when it shares them. */
export interface PlatformUser {
  id: string;
  role: Role;
  /** undefined: keep what is stored (a new user: none); null: remove it. */
  name?: string | null;
  email?: string | null;
}

/** What writing a platform user did: created, updated, or nothing because the user was erased. */
export type PlatformUserWrite = { outcome: 'created' | 'updated'; user: UserProfile } | { outcome: 'erased' };

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

  /** The ids of the users with this role who are not erased, in id order (admins through ix_users_admins). */
  async idsWithRole(role: string): Promise<string[]> {
    const rows = await this.transactions.manager.query<Array<{ id: string }>>(`SELECT id FROM users WHERE role = $1 AND erased_at IS NULL ORDER BY id`, [role]);
    return rows.map((row) => row.id);
  }

  /** Only the columns authentication reads; null for a user that does not exist or was erased. */
  async findIdentity(id: string): Promise<UserIdentity | null> {
    const [row] = await this.transactions.manager.query<UserIdentity[]>(`SELECT id, role, email FROM users WHERE id = $1 AND erased_at IS NULL`, [id]);
    return row ?? null;
  }

  /** Whether a user with this id exists, and whether it was erased. */
  async findState(id: string): Promise<'absent' | 'present' | 'erased'> {
    const [row] = await this.transactions.manager.query<Array<{ erased: boolean }>>(`SELECT erased_at IS NOT NULL AS erased FROM users WHERE id = $1`, [id]);
    return row === undefined ? 'absent' : row.erased ? 'erased' : 'present';
  }

  /** Which of these users were erased. */
  async erasedAmong(ids: readonly string[]): Promise<string[]> {
    const rows = await this.transactions.manager.query<Array<{ id: string }>>(`SELECT id FROM users WHERE id = ANY($1::bigint[]) AND erased_at IS NOT NULL`, [ids]);
    return rows.map((row) => row.id);
  }

  /**
   * Erases a user: name and e-mail removed, the row kept (purchases and the ledger name it), the
   * time of the first erasure kept. The user's row is locked until the transaction ends. Null when
   * there is no such user.
   */
  async erase(id: string): Promise<{ role: Role } | null> {
    const [row] = await this.transactions.manager.query<Array<{ role: Role }>>(
      `WITH erased AS (
         UPDATE users SET name = NULL, email = NULL, erased_at = coalesce(erased_at, now()), updated_at = now() WHERE id = $1 RETURNING role
       )
       SELECT role FROM erased`,
      [id],
    );
    return row ?? null;
  }

  /** The profiles of these users, in id order; erased users are left out. */
  findProfiles(ids: readonly string[]): Promise<UserProfile[]> {
    return this.transactions.manager.query<UserProfile[]>(`SELECT id, email, name, role FROM users WHERE id = ANY($1::bigint[]) AND erased_at IS NULL ORDER BY id`, [ids]);
  }

  /**
   * Inserts the user with the platform's id unless that id exists (erased or not); false when it did.
   * An e-mail another user has is left out rather than failing the insert: the e-mail is optional,
   * the user is not.
   */
  async insertIfAbsent(user: PlatformUser): Promise<boolean> {
    const insert = (email: string | null) =>
      this.transactions.manager.query<Array<{ id: string }>>(
        `INSERT INTO users (id, role, name, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id`,
        [user.id, user.role, user.name ?? null, email],
      );
    if ((await insert(user.email ?? null)).length > 0) return true;
    if (user.email === undefined || user.email === null || (await this.findState(user.id)) !== 'absent') return false;
    return (await insert(null)).length > 0;
  }

  /**
   * Creates or updates users with the platform's ids, in one statement however many: the role always,
   * the name and e-mail where given (null removes them). An erased user is left as it is and answered
   * `erased`. An e-mail another user has fails the statement (uq_users_email); ids must be distinct.
   */
  async upsertPlatformUsers(users: readonly PlatformUser[]): Promise<PlatformUserWrite[]> {
    if (users.length === 0) return [];
    // In id order, as every path that locks several users: two writers never wait for each other in a circle.
    await this.transactions.manager.query(`SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE`, [users.map((user) => user.id)]);
    const written = new Map<string, UserProfile & { created: boolean }>();
    // A user created by another writer after this statement's snapshot is neither inserted (its id
    // conflicts) nor updated (not visible yet): written again once, by a statement that sees it.
    for (let attempt = 0, pending = [...users]; attempt < 2 && pending.length > 0; attempt++) {
      const rows = await this.transactions.manager.query<Array<UserProfile & { created: boolean }>>(
        `WITH x AS (
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[])
                  AS x(id, role, name, email, set_name, set_email)
         ),
         inserted AS (
           INSERT INTO users (id, role, name, email)
           SELECT id, role, CASE WHEN set_name THEN name END, CASE WHEN set_email THEN email END FROM x ORDER BY id
           ON CONFLICT ON CONSTRAINT pk_users DO NOTHING
           RETURNING id, email, name, role
         ),
         updated AS (
           UPDATE users u
              SET role = x.role,
                  name = CASE WHEN x.set_name THEN x.name ELSE u.name END,
                  email = CASE WHEN x.set_email THEN x.email ELSE u.email END,
                  updated_at = now()
             FROM x
            WHERE u.id = x.id AND u.erased_at IS NULL
           RETURNING u.id, u.email, u.name, u.role
         )
         SELECT *, true AS created FROM inserted UNION ALL SELECT *, false AS created FROM updated`,
        [
          pending.map((user) => user.id),
          pending.map((user) => user.role),
          pending.map((user) => user.name ?? null),
          pending.map((user) => user.email ?? null),
          pending.map((user) => user.name !== undefined),
          pending.map((user) => user.email !== undefined),
        ],
      );
      for (const row of rows) written.set(row.id, row);
      const missing = pending.filter((user) => !written.has(user.id)).map((user) => user.id);
      const erased = missing.length === 0 ? new Set<string>() : new Set(await this.erasedAmong(missing));
      pending = pending.filter((user) => !written.has(user.id) && !erased.has(user.id));
    }
    return users.map((user) => {
      const row = written.get(user.id);
      if (!row) return { outcome: 'erased' };
      const { created, ...profile } = row;
      return { outcome: created ? 'created' : 'updated', user: profile };
    });
  }

  /** The identities of those of `ids` who still exist and are not erased, fresh (no cache): what open sockets are checked against. */
  findIdentities(ids: readonly string[]): Promise<UserIdentity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.transactions.manager.query<UserIdentity[]>(`SELECT id, role, email FROM users WHERE id = ANY($1::bigint[]) AND erased_at IS NULL`, [ids]);
  }

  /** The names of these users that have one (the platform may share none; erasure removes it). */
  async namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.transactions.manager.query<Array<{ id: string; name: string }>>(
      `SELECT id, name FROM users WHERE id = ANY($1::bigint[]) AND name IS NOT NULL AND name <> ''`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.name]));
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
