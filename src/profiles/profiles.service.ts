import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { Profile } from './profile.entity';
import { ProfilesError } from './profiles.errors';
import { isId } from '../common/ids';

@Injectable()
export class ProfilesService {
  constructor(private readonly transactions: TransactionRunner) {}

  async get(profileId: string): Promise<Profile> {
    const profile = isId(profileId)
      ? await this.transactions.repository(Profile).findOneBy({ id: profileId })
      : null;
    if (!profile) throw ProfilesError.notFound(profileId);
    return profile;
  }
}
