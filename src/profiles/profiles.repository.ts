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

  /** Sets who handles the profile's new conversations, locking its row; false when there is no such profile. */
  async setModerator(id: string, moderatorId: string | null): Promise<boolean> {
    const result = await this.transactions.repository(Profile).update({ id }, { moderatorId });
    return Boolean(result.affected);
  }

  /**
   * The moderators of the profiles among `ids` that exist, keyed by profile id, each profile read
   * FOR SHARE, in id order, in one statement: until the caller's transaction ends nobody can change
   * them.
   */
  async lockModeratorsForShare(ids: readonly string[]): Promise<Map<string, string | null>> {
    if (ids.length === 0) return new Map();
    const rows = await this.transactions.manager.query<Array<{ id: string; moderator_id: string | null }>>(
      `SELECT id, moderator_id FROM profiles WHERE id = ANY($1::bigint[]) ORDER BY id FOR SHARE`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((row) => [row.id, row.moderator_id]));
  }
}
