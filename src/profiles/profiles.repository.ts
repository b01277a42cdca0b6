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
}
