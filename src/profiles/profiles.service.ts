import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { Profile } from './profile.entity';
import { ProfilesError } from './profiles.errors';
import { isId } from '../common/ids';

@Injectable()
export class ProfilesService {
  constructor(private readonly transactions: TransactionRunner) {}

  /** The profile, read FOR SHARE: its moderator cannot change until the caller's transaction ends. */
  async getShared(profileId: string): Promise<Profile> {
    const profile = isId(profileId)
      ? await this.transactions.repository(Profile).findOne({ where: { id: profileId }, lock: { mode: 'pessimistic_read' } })
      : null;
    if (!profile) throw ProfilesError.notFound(profileId);
    return profile;
  }

  /** Sets who handles the profile's new conversations; inside the caller's transaction, locking the row. */
  async setModerator(profileId: string, moderatorId: string | null): Promise<void> {
    const result = isId(profileId) ? await this.transactions.repository(Profile).update({ id: profileId }, { moderatorId }) : undefined;
    if (!result?.affected) throw ProfilesError.notFound(profileId);
  }

  async get(profileId: string): Promise<Profile> {
    const profile = isId(profileId)
      ? await this.transactions.repository(Profile).findOneBy({ id: profileId })
      : null;
    if (!profile) throw ProfilesError.notFound(profileId);
    return profile;
  }
}
