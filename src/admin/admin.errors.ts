import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum AdminErrorCode {
  PackCodeTaken = 'PACK_CODE_TAKEN',
  PackNotFound = 'PACK_NOT_FOUND',
  NothingToChange = 'NOTHING_TO_CHANGE',
  InvalidRange = 'INVALID_RANGE',
}

export class AdminError extends moduleError<AdminErrorCode>({
  [AdminErrorCode.PackCodeTaken]: HttpStatus.CONFLICT,
  [AdminErrorCode.PackNotFound]: HttpStatus.NOT_FOUND,
  [AdminErrorCode.NothingToChange]: HttpStatus.BAD_REQUEST,
  [AdminErrorCode.InvalidRange]: HttpStatus.BAD_REQUEST,
}) {
  static packCodeTaken(code: string): AdminError {
    return new AdminError(AdminErrorCode.PackCodeTaken, `A pack with code "${code}" already exists; change it with PUT /admin/packs/${code}`);
  }

  static packNotFound(code: string): AdminError {
    return new AdminError(AdminErrorCode.PackNotFound, `No pack has code "${code}"`);
  }

  static nothingToChange(): AdminError {
    return new AdminError(AdminErrorCode.NothingToChange, 'Send at least one of points, amount_cents, active');
  }

  static invalidRange(from: string, to: string): AdminError {
    return new AdminError(AdminErrorCode.InvalidRange, `from (${from}) must be before to (${to})`);
  }
}
