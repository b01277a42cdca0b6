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
   * Adds to a moderator's cached balance when the current transaction is about to commit, summed per
   * moderator and written in id order: a busy moderator's row is locked only for the final moments
   * of each transaction, and two transactions never lock moderators in opposite orders.
   */
  addPointsAtCommit(userId: string, delta: number): void {
    const deltas = this.transactions.deferUntilCommit(
      'users.points',
      () => new Map<string, number>(),
      async (pending) => {
        const ordered = [...pending.entries()].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
        for (const [id, sum] of ordered) if (sum !== 0) await this.addPoints(id, sum);
      },
    );
    deltas.set(userId, (deltas.get(userId) ?? 0) + delta);
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
