import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { Role, User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(private readonly transactions: TransactionRunner) {}

  findById(id: string): Promise<User | null> {
    return this.transactions.repository(User).findOneBy({ id });
  }

  async isModerator(id: string): Promise<boolean> {
    const user = await this.findById(id);
    return user?.role === Role.Moderator;
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
