import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { User } from './user.entity';
import { Role } from './user-role';
import { ExpiringLookupCache, USER_LOOKUP_CACHE_MAX_ENTRIES, USER_LOOKUP_CACHE_SECONDS } from './user-lookup-cache';
import { UserIdentity, UserProfile, UsersRepository } from './users.repository';

export type { UserIdentity, UserProfile } from './users.repository';

@Injectable()
export class UsersService {
  private readonly identities = new ExpiringLookupCache<UserIdentity>(USER_LOOKUP_CACHE_SECONDS * 1000, USER_LOOKUP_CACHE_MAX_ENTRIES);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly repository: UsersRepository,
  ) {}

  findById(id: string): Promise<User | null> {
    return this.repository.findById(id);
  }

  /**
   * The user behind a bearer token, read from the database at most once per
   * USER_LOOKUP_CACHE_SECONDS (5 s) per user and instance: every authenticated request and socket
   * handshake asks, and a deleted user (or a changed role) takes effect within that time.
   */
  findIdentity(id: string): Promise<UserIdentity | null> {
    return this.identities.get(id, (key) => this.repository.findIdentity(key));
  }

  /** The users with these emails, in id order. */
  findByEmails(emails: readonly string[]): Promise<UserProfile[]> {
    return this.repository.findByEmails(emails);
  }

  /** The users with these emails, created first where the email is not taken (seeding known accounts). */
  async ensure(users: ReadonlyArray<Omit<UserProfile, 'id'>>): Promise<UserProfile[]> {
    await this.repository.createMissing(users);
    return this.repository.findByEmails(users.map((user) => user.email));
  }

  /** Of these users, those who still exist, with their role now (read fresh: open sockets are re-checked against it). */
  findIdentities(ids: readonly string[]): Promise<UserIdentity[]> {
    return this.repository.findIdentities(ids);
  }

  /** Of these users, those who are moderators now: only they are credited a purchase's points. */
  currentModerators(ids: readonly string[]): Promise<Set<string>> {
    return this.repository.currentModerators(ids);
  }

  async isModerator(id: string): Promise<boolean> {
    const user = await this.findById(id);
    return user?.role === Role.Moderator;
  }

  /**
   * Adds to a moderator's cached balance when the current transaction is about to commit, summed per
   * moderator: a busy moderator's row is locked only for the final moments of each transaction, and
   * written once however many changes it had (see `addPoints`).
   */
  addPointsAtCommit(userId: string, delta: number): void {
    const deltas = this.transactions.deferUntilCommit(
      'users.points',
      () => new Map<string, number>(),
      async (pending) => {
        const changed = new Map([...pending.entries()].filter(([, sum]) => sum !== 0));
        await this.addPoints(changed);
      },
    );
    deltas.set(userId, (deltas.get(userId) ?? 0) + delta);
  }

  /**
   * Changes moderators' cached balances now and returns the new ones, keyed by user id; only the
   * points module calls it, next to its ledger rows. One statement however many moderators (a single
   * change is a map of one); with more than one, the rows are locked in id order first, so two
   * transactions never lock moderators in opposite orders. A negative result is kept: it records
   * points paid out then taken back.
   */
  addPoints(deltas: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    return this.repository.addPoints(deltas);
  }
}
