import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum InteractionsErrorCode {
  InteractionNotFound = 'INTERACTION_NOT_FOUND',
  NotAModerator = 'NOT_A_MODERATOR',
}

export class InteractionsError extends moduleError<InteractionsErrorCode>({
  [InteractionsErrorCode.InteractionNotFound]: HttpStatus.NOT_FOUND,
  [InteractionsErrorCode.NotAModerator]: HttpStatus.UNPROCESSABLE_ENTITY,
}) {
  static notFound(interactionId: string): InteractionsError {
    return new InteractionsError(InteractionsErrorCode.InteractionNotFound, `Interaction ${interactionId} does not exist`);
  }

  static notAModerator(userId: string): InteractionsError {
    return new InteractionsError(InteractionsErrorCode.NotAModerator, `User ${userId} does not exist or is not a moderator`);
  }
}
