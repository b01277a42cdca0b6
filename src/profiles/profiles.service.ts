import { Injectable } from '@nestjs/common';
import { isId } from '../common/ids';
import { Profile } from './profile.entity';
import { ProfilesError } from './profiles.errors';
import { PlatformProfile, PlatformProfileWrite, ProfilesRepository } from './profiles.repository';

export type { PlatformProfile, PlatformProfileWrite } from './profiles.repository';

@Injectable()
export class ProfilesService {
  constructor(private readonly repository: ProfilesRepository) {}

  async get(profileId: string): Promise<Profile> {
    const profile = isId(profileId) ? await this.repository.findById(profileId) : null;
    if (!profile) throw ProfilesError.notFound(profileId);
    return profile;
  }

  /** The profile, for a new checkout: PROFILE_INACTIVE when the platform stopped its sales (`active: false`). */
  async getForSale(profileId: string): Promise<Profile> {
    const profile = await this.get(profileId);
    if (!profile.active) throw ProfilesError.inactive(profile.id);
    return profile;
  }

  /**
   * Creates or updates profiles with the platform's ids (SPEC §10), locking them until the
   * transaction ends; answers, per profile, whether it was created and the moderator it had. An
   * existing profile's moderator is not changed here: that is an assignment (AssignmentService).
   */
  upsertFromPlatform(profiles: readonly PlatformProfile[]): Promise<PlatformProfileWrite[]> {
    return this.repository.upsertPlatformProfiles(profiles);
  }

  /** The names of these profiles, by id (those that exist). */
  namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    return this.repository.namesOf(ids);
  }

  /** The first profile with this name, by id, or null. */
  findByName(name: string): Promise<Pick<Profile, 'id' | 'name'> | null> {
    return this.repository.findByName(name);
  }

  /** The profile with this name, created first, run by `moderatorId`, when none has it (seeding a known profile). */
  async ensureNamed(name: string, moderatorId: string | null): Promise<Pick<Profile, 'id' | 'name'>> {
    await this.repository.createNamedIfAbsent(name, moderatorId);
    return (await this.repository.findByName(name))!;
  }

  /** Sets who handles the profile's new interactions; inside the caller's transaction, locking the row. */
  async setModerator(profileId: string, moderatorId: string | null): Promise<void> {
    if (!(isId(profileId) && (await this.repository.setModerator(profileId, moderatorId)))) throw ProfilesError.notFound(profileId);
  }

}
