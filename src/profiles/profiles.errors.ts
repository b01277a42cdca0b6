import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum ProfilesErrorCode {
  ProfileNotFound = 'PROFILE_NOT_FOUND',
}

export class ProfilesError extends moduleError<ProfilesErrorCode>({
  [ProfilesErrorCode.ProfileNotFound]: HttpStatus.NOT_FOUND,
}) {
  static notFound(profileId: string): ProfilesError {
    return new ProfilesError(ProfilesErrorCode.ProfileNotFound, `Profile ${profileId} does not exist`);
  }
}
