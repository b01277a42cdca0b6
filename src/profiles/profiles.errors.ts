import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum ProfilesErrorCode {
  ProfileNotFound = 'PROFILE_NOT_FOUND',
  /** The platform set `active: false`: no new checkout for the profile. */
  ProfileInactive = 'PROFILE_INACTIVE',
}

export class ProfilesError extends moduleError<ProfilesErrorCode>({
  [ProfilesErrorCode.ProfileNotFound]: HttpStatus.NOT_FOUND,
  [ProfilesErrorCode.ProfileInactive]: HttpStatus.CONFLICT,
}) {
  static inactive(profileId: string): ProfilesError {
    return new ProfilesError(ProfilesErrorCode.ProfileInactive, `Profile ${profileId} is not open for purchases right now; nothing was charged`);
  }

  static notFound(profileId: string): ProfilesError {
    return new ProfilesError(ProfilesErrorCode.ProfileNotFound, `Profile ${profileId} does not exist`);
  }
}
