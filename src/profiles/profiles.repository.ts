import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { Profile } from './profile.entity';

/** A profile as the platform gives it: its id, its name, and whether it sells (undefined: keep as is). */
export interface PlatformProfile {
  id: string;
  name: string;
  moderatorId: string | null;
  active?: boolean;
}

/** What writing a platform profile did: created with its moderator, or updated (name, active) with the moderator it had. */
export interface PlatformProfileWrite {
  id: string;
  created: boolean;
  /** The moderator before this write (a created profile: the one it was created with). */
  moderatorId: string | null;
}

/** Every statement on `profiles`, inside the caller's transaction when there is one. */
@Injectable()
export class ProfilesRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  findById(id: string): Promise<Profile | null> {
    return this.transactions.repository(Profile).findOneBy({ id });
  }

  /** The names of these profiles, by id (those that exist). */
  async namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.transactions.manager.query<Array<{ id: string; name: string }>>(`SELECT id, name FROM profiles WHERE id = ANY($1::bigint[])`, [ids]);
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /** The first profile with this name, by id. */
  async findByName(name: string): Promise<Pick<Profile, 'id' | 'name'> | null> {
    const [row] = await this.transactions.manager.query<Array<Pick<Profile, 'id' | 'name'>>>(
      `SELECT id, name FROM profiles WHERE name = $1 ORDER BY id LIMIT 1`,
      [name],
    );
    return row ?? null;
  }

  /** Creates a profile with this name run by `moderatorId`, unless one with the name exists. */
  async createNamedIfAbsent(name: string, moderatorId: string | null): Promise<void> {
    await this.transactions.manager.query(
      `INSERT INTO profiles (name, moderator_id) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM profiles WHERE name = $1)`,
      [name, moderatorId],
    );
  }

  /** Sets who handles the profile's new interactions, locking its row; false when there is no such profile. */
  async setModerator(id: string, moderatorId: string | null): Promise<boolean> {
    const result = await this.transactions.repository(Profile).update({ id }, { moderatorId });
    return Boolean(result.affected);
  }

  /**
   * Creates the profiles with the platform's ids that do not exist (with their moderator) and
   * updates the name and `active` of those that do, locking each row until the transaction ends
   * (created ones by their insert, in id order; existing ones FOR NO KEY UPDATE, in id order). The
   * moderator of an existing profile is left as it is: a change of moderator is an assignment
   * (interactions module). Ids must be distinct. Three statements however many profiles.
   */
  async upsertPlatformProfiles(profiles: readonly PlatformProfile[]): Promise<PlatformProfileWrite[]> {
    if (profiles.length === 0) return [];
    const manager = this.transactions.manager;
    const created = await manager.query<Array<{ id: string }>>(
      `INSERT INTO profiles (id, name, moderator_id, active)
       SELECT id, name, moderator_id, coalesce(active, true)
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::boolean[]) AS x(id, name, moderator_id, active)
        ORDER BY id
       ON CONFLICT ON CONSTRAINT pk_profiles DO NOTHING
       RETURNING id`,
      [profiles.map((profile) => profile.id), profiles.map((profile) => profile.name), profiles.map((profile) => profile.moderatorId), profiles.map((profile) => profile.active ?? null)],
    );
    const inserted = new Set(created.map((row) => row.id));
    const others = profiles.filter((profile) => !inserted.has(profile.id));
    const before = new Map<string, string | null>();
    if (others.length > 0) {
      // A new statement: it sees a profile another writer created meanwhile, and waits for its lock.
      const rows = await manager.query<Array<{ id: string; moderator_id: string | null }>>(
        `SELECT id, moderator_id FROM profiles WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE`,
        [others.map((profile) => profile.id)],
      );
      for (const row of rows) before.set(row.id, row.moderator_id);
      await manager.query(
        `UPDATE profiles p SET name = x.name, active = coalesce(x.active, p.active), updated_at = now()
           FROM unnest($1::bigint[], $2::text[], $3::boolean[]) AS x(id, name, active)
          WHERE p.id = x.id`,
        [others.map((profile) => profile.id), others.map((profile) => profile.name), others.map((profile) => profile.active ?? null)],
      );
    }
    return profiles.map((profile) => ({
      id: profile.id,
      created: inserted.has(profile.id),
      moderatorId: inserted.has(profile.id) ? profile.moderatorId : (before.get(profile.id) ?? null),
    }));
  }

  /** Whether the profile sells: null when there is no such profile. */
  async isActive(id: string): Promise<boolean | null> {
    const [row] = await this.transactions.manager.query<Array<{ active: boolean }>>(`SELECT active FROM profiles WHERE id = $1`, [id]);
    return row ? row.active : null;
  }
}
