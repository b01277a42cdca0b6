import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum UsersErrorCode {
  UserNotFound = 'USER_NOT_FOUND',
  /** The platform erased the user: erasure is final (SPEC §10). */
  UserErased = 'USER_ERASED',
  EmailTaken = 'EMAIL_TAKEN',
}

export class UsersError extends moduleError<UsersErrorCode>({
  [UsersErrorCode.UserNotFound]: HttpStatus.NOT_FOUND,
  [UsersErrorCode.UserErased]: HttpStatus.GONE,
  [UsersErrorCode.EmailTaken]: HttpStatus.CONFLICT,
}) {
  static notFound(userId: string): UsersError {
    return new UsersError(UsersErrorCode.UserNotFound, `User ${userId} does not exist`);
  }

  static erased(userId: string): UsersError {
    return new UsersError(UsersErrorCode.UserErased, `User ${userId} was erased; an erased user cannot be created or changed again`);
  }

  /** An erased user receives nothing more (a grant, say); what they had stays in the ledger. */
  static erasedRecipient(userId: string): UsersError {
    return new UsersError(UsersErrorCode.UserErased, `User ${userId} was erased and receives nothing more`);
  }

  static emailTaken(): UsersError {
    return new UsersError(UsersErrorCode.EmailTaken, 'Another user already has this e-mail');
  }
}
