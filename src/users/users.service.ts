import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { TransactionRunner } from '../database/transaction';
import { User } from './user.entity';
import { Role } from './user-role';
import { ExpiringLookupCache, USER_LOOKUP_CACHE_MAX_ENTRIES, USER_LOOKUP_CACHE_SECONDS } from './user-lookup-cache';
import { PlatformUser, PlatformUserWrite, UserIdentity, UserProfile, UsersRepository } from './users.repository';
import { UsersError } from './users.errors';

export type { PlatformUser, PlatformUserWrite, UserIdentity, UserProfile } from './users.repository';

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
   * handshake asks, and a deleted or erased user (or a changed role) takes effect within that time
   * (at once on the instance that made the change). Null: no such user, or erased.
   */
  findIdentity(id: string): Promise<UserIdentity | null> {
    return this.identities.get(id, (key) => this.repository.findIdentity(key));
  }

  /**
   * Creates, just in time, the user a platform token names (its id, its role, its name and e-mail
   * claims when present) unless that id exists, and answers who it is now: null when the id belongs
   * to an erased user, who stays erased.
   */
  async createFromPlatform(user: PlatformUser): Promise<UserIdentity | null> {
    if (await this.repository.insertIfAbsent(user)) this.identities.delete(user.id);
    return this.findIdentity(user.id);
  }

  /**
   * Creates or updates users with the platform's ids (SPEC §10), in one statement: role always, name
   * and e-mail where given. An erased user is answered `erased` and left as it is. An e-mail another
   * user has refuses the whole call (EMAIL_TAKEN): callers with several users try them one by one then.
   */
  async upsertFromPlatform(users: readonly PlatformUser[]): Promise<PlatformUserWrite[]> {
    let written: PlatformUserWrite[];
    try {
      written = await this.repository.upsertPlatformUsers(users);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { constraint?: string }).constraint === 'uq_users_email') throw UsersError.emailTaken();
      throw error;
    }
    this.forgetAtCommit(users.map((user) => user.id));
    return written;
  }

  /**
   * Erases the user: name and e-mail removed, the row and everything that names it kept. Their
   * tokens are refused from now on (on other instances within USER_LOOKUP_CACHE_SECONDS). Answers the
   * role they had; USER_NOT_FOUND when there is no such user. Erasing twice is erasing once.
   */
  async erase(id: string): Promise<{ role: Role }> {
    const erased = await this.repository.erase(id);
    if (!erased) throw UsersError.notFound(id);
    this.forgetAtCommit([id]);
    return erased;
  }

  /** Whether a user with this id exists, and whether it was erased. */
  stateOf(id: string): Promise<'absent' | 'present' | 'erased'> {
    return this.repository.findState(id);
  }

  /** The identity cache of this instance forgets these users once the change is visible to others. */
  private forgetAtCommit(ids: readonly string[]): void {
    const forget = () => ids.forEach((id) => this.identities.delete(id));
    forget();
    if (this.transactions.inTransaction) this.transactions.onCommit(forget);
  }

  /** The users with these emails, in id order. */
  findByEmails(emails: readonly string[]): Promise<UserProfile[]> {
    return this.repository.findByEmails(emails);
  }

  /** The users with these emails, created first where the email is not taken (seeding known accounts). */
  async ensure(users: ReadonlyArray<{ email: string; name: string; role: Role }>): Promise<UserProfile[]> {
    await this.repository.createMissing(users);
    return this.repository.findByEmails(users.map((user) => user.email));
  }

  /**
   * Of these users, those who still exist and are not erased, with their role now (read fresh: open
   * sockets are re-checked against it, so an erased user's sockets close as a deleted one's do).
   */
  findIdentities(ids: readonly string[]): Promise<UserIdentity[]> {
    return this.repository.findIdentities(ids);
  }

  /** The names of these users that have one, by id: a platform need not share names. */
  namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    return this.repository.namesOf(ids);
  }

  /** Of these users, those who are moderators now: only they are credited a purchase's points. */
  currentModerators(ids: readonly string[]): Promise<Set<string>> {
    return this.repository.currentModerators(ids);
  }

  /** Every admin's id, in id order: who receives admin alerts. */
  adminIds(): Promise<string[]> {
    return this.repository.idsWithRole(Role.Admin);
  }

  /** A moderator who is not erased. */
  async isModerator(id: string): Promise<boolean> {
    const user = await this.findById(id);
    return user?.role === Role.Moderator && user.erasedAt === null;
  }

  /**
   * Adds to a moderator's cached balance when the current transaction is about to commit, summed per
   * moderator: a busy moderator's row is locked only for the final moments of each transaction, and
   * written once however many changes it had (see `addPoints`).
   */
  addPointsAtCommit(userId: string, delta: number): void {
    const deltas = this.transactions.deferUntilCommit({
      phase: 'contended',
      name: 'users.points',
      init: () => new Map<string, number>(),
      flush: async (pending) => {
        const changed = new Map([...pending.entries()].filter(([, sum]) => sum !== 0));
        await this.addPoints(changed);
      },
    });
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
