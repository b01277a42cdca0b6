import { Injectable } from '@nestjs/common';
import { isId } from '../common/ids';
import { Profile } from './profile.entity';
import { ProfilesError } from './profiles.errors';
import { ProfilesRepository } from './profiles.repository';

@Injectable()
export class ProfilesService {
  constructor(private readonly repository: ProfilesRepository) {}

  async get(profileId: string): Promise<Profile> {
    const profile = isId(profileId) ? await this.repository.findById(profileId) : null;
    if (!profile) throw ProfilesError.notFound(profileId);
    return profile;
  }

  /** Sets who handles the profile's new conversations; inside the caller's transaction, locking the row. */
  async setModerator(profileId: string, moderatorId: string | null): Promise<void> {
    if (!(isId(profileId) && (await this.repository.setModerator(profileId, moderatorId)))) throw ProfilesError.notFound(profileId);
  }

}
