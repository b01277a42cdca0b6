import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { Profile } from './profile.entity';
import { ProfilesError } from './profiles.errors';

@Injectable()
export class ProfilesService {
  constructor(private readonly transactions: TransactionRunner) {}

  async get(profileId: string): Promise<Profile> {
    const profile = /^[1-9]\d{0,18}$/.test(profileId)
      ? await this.transactions.repository(Profile).findOneBy({ id: profileId })
      : null;
    if (!profile) throw ProfilesError.notFound(profileId);
    return profile;
  }
}
