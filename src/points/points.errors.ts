import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum PointsErrorCode {
  UnknownPack = 'UNKNOWN_PACK',
  InsufficientPoints = 'INSUFFICIENT_POINTS',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
}

export class PointsError extends moduleError<PointsErrorCode>({
  [PointsErrorCode.UnknownPack]: HttpStatus.BAD_REQUEST,
  [PointsErrorCode.InsufficientPoints]: HttpStatus.CONFLICT,
  [PointsErrorCode.IdempotencyKeyReused]: HttpStatus.UNPROCESSABLE_ENTITY,
}) {
  static unknownPack(code: string, available: string[]): PointsError {
    return new PointsError(
      PointsErrorCode.UnknownPack,
      `pack "${code}" is not sold; choose one of: ${available.join(', ')}`,
    );
  }

  static insufficientPoints(requested: number, balance: number): PointsError {
    return new PointsError(
      PointsErrorCode.InsufficientPoints,
      `Not enough points: ${requested} requested, ${Math.max(balance, 0)} available for this profile`,
    );
  }

  static idempotencyKeyReused(key: string): PointsError {
    return new PointsError(
      PointsErrorCode.IdempotencyKeyReused,
      `idempotency_key "${key}" was already used for a different spend`,
    );
  }
}
