import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { Profile } from './profile.entity';

/** Every statement on `profiles`, inside the caller's transaction when there is one. */
@Injectable()
export class ProfilesRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  findById(id: string): Promise<Profile | null> {
    return this.transactions.repository(Profile).findOneBy({ id });
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

  /** Sets who handles the profile's new conversations, locking its row; false when there is no such profile. */
  async setModerator(id: string, moderatorId: string | null): Promise<boolean> {
    const result = await this.transactions.repository(Profile).update({ id }, { moderatorId });
    return Boolean(result.affected);
  }
}
