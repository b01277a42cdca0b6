import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { isId } from '../common/ids';
import { TransactionRunner } from '../database/transaction';
import { EventBus } from '../events/event-bus';
import { PlatformProfile, ProfilesService } from '../profiles/profiles.service';
import { UsersService } from '../users/users.service';
import { AssignmentResultDto } from './dto/assign-moderator.dto';
import { Interaction } from './entities/interaction.entity';
import { InteractionsError } from './interactions.errors';
import { InteractionsRepository } from './interactions.repository';

/** Attempts of an assignment that found a purchase it releases busy (lock_not_available). */
const ATTEMPTS = 6;
const RETRY_DELAY_MS = 10;

/**
 * Who handles an interaction. Assigning never moves points already earned: it only decides who
 * earns from now on, and gives the new moderator the points held while nobody handled it.
 * Locks in the order of ARCHITECTURE.md: profile → interactions (id order) → lots → moderator.
 * The purchases whose held points it releases come before their interaction in that order, but
 * are only known once it is locked: they are locked without waiting, and an assignment that finds
 * one busy (a refund or a batch holds it, and may be waiting for this interaction) rolls back and
 * starts again.
 */
@Injectable()
export class AssignmentService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly interactions: InteractionsRepository,
    private readonly profiles: ProfilesService,
    private readonly users: UsersService,
    private readonly events: EventBus,
  ) {}

  /** The profile's moderator for new interactions; its interactions handled by nobody get it too. */
  async assignProfile(profileId: string, moderatorId: string | null): Promise<AssignmentResultDto> {
    await this.requireModerator(moderatorId);
    return this.run(() => this.assignProfileLocked(profileId, moderatorId));
  }

  /**
   * A profile as the platform gives it (SPEC §10): created with its moderator, or its name and
   * `active` updated; a moderator other than the one it has acts exactly as assignProfile. One
   * transaction, in the lock order of assignProfile: profile → interactions → lots → moderator.
   */
  async provisionProfile(profile: PlatformProfile): Promise<AssignmentResultDto & { created: boolean }> {
    await this.requireModerator(profile.moderatorId);
    return this.run(async () => {
      const [written] = await this.profiles.upsertFromPlatform([profile]);
      if (written.created || written.moderatorId === profile.moderatorId) {
        return { created: written.created, moderatorId: profile.moderatorId, interactionIds: [], releasedPoints: 0 };
      }
      return { created: false, ...(await this.assignProfileLocked(profile.id, profile.moderatorId)) };
    });
  }

  private async assignProfileLocked(profileId: string, moderatorId: string | null): Promise<AssignmentResultDto> {
    await this.profiles.setModerator(profileId, moderatorId);
    if (!moderatorId) return { moderatorId, interactionIds: [], releasedPoints: 0 };
    const unhandled = await this.interactions.lockUnhandledOfProfile(profileId);
    const releasedPoints = await this.assign(unhandled, moderatorId);
    return { moderatorId, interactionIds: unhandled.map((interaction) => interaction.id), releasedPoints };
  }

  /** Reassigns one interaction; the points held for it go to that moderator. */
  async assignInteraction(interactionId: string, moderatorId: string | null): Promise<AssignmentResultDto> {
    await this.requireModerator(moderatorId);
    return this.run(async () => {
      const interaction = isId(interactionId) ? await this.interactions.lockById(interactionId) : null;
      if (!interaction) throw InteractionsError.notFound(interactionId);
      const releasedPoints = interaction.moderatorId === moderatorId ? 0 : await this.assign([interaction], moderatorId);
      return { moderatorId, interactionIds: [interaction.id], releasedPoints };
    });
  }

  /**
   * Gives the (locked) interactions to `moderatorId` together, set-based: one UPDATE, one event
   * whose listener releases all their held points at once. One interaction is a batch of one.
   */
  private async assign(interactions: readonly Interaction[], moderatorId: string | null): Promise<number> {
    if (interactions.length === 0) return 0;
    await this.interactions.setModerator(
      interactions.map((interaction) => interaction.id),
      moderatorId,
    );
    await this.events.emitInTransaction('interactions.moderator_assigned', {
      moderatorId,
      interactions: interactions.map((interaction) => ({
        interactionId: interaction.id,
        clientId: interaction.clientId,
        profileId: interaction.profileId,
        previousModeratorId: interaction.moderatorId,
      })),
    });
    return moderatorId ? interactions.reduce((sum, interaction) => sum + interaction.heldPoints, 0) : 0;
  }

  /** One transaction, started again (after a short, growing pause) while a purchase it releases is busy. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactions.run(work);
      } catch (error) {
        if (attempt >= ATTEMPTS || !isLockNotAvailable(error)) throw error;
        await sleep(RETRY_DELAY_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  }

  private async requireModerator(moderatorId: string | null): Promise<void> {
    if (moderatorId !== null && !(await this.users.isModerator(moderatorId))) throw InteractionsError.notAModerator(moderatorId);
  }
}

function isLockNotAvailable(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '55P03';
}
