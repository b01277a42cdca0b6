import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';
import { decimalAmount } from '../common/money';

export enum PointsErrorCode {
  UnknownPack = 'UNKNOWN_PACK',
  InsufficientPoints = 'INSUFFICIENT_POINTS',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
  AmountNotChargeable = 'AMOUNT_NOT_CHARGEABLE',
  PointsFrozen = 'POINTS_FROZEN',
  NotAClient = 'NOT_A_CLIENT',
}

export class PointsError extends moduleError<PointsErrorCode>({
  [PointsErrorCode.UnknownPack]: HttpStatus.BAD_REQUEST,
  [PointsErrorCode.InsufficientPoints]: HttpStatus.CONFLICT,
  [PointsErrorCode.IdempotencyKeyReused]: HttpStatus.UNPROCESSABLE_ENTITY,
  [PointsErrorCode.AmountNotChargeable]: HttpStatus.BAD_REQUEST,
  [PointsErrorCode.PointsFrozen]: HttpStatus.CONFLICT,
  [PointsErrorCode.NotAClient]: HttpStatus.UNPROCESSABLE_ENTITY,
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

  static idempotencyKeyReused(key: string, what: 'spend' | 'grant' = 'spend'): PointsError {
    return new PointsError(
      PointsErrorCode.IdempotencyKeyReused,
      `idempotency_key "${key}" was already used for a different ${what}`,
    );
  }

  static pointsFrozen(requested: number, balance: number, spendable: number): PointsError {
    return new PointsError(
      PointsErrorCode.PointsFrozen,
      `${requested} points requested: ${balance} on the balance for this profile, but ${balance - spendable} of them are frozen by a fraud check ` +
        `of the payment that bought them; ${spendable} can be spent now`,
    );
  }

  static notAClient(userId: string): PointsError {
    return new PointsError(PointsErrorCode.NotAClient, `client_id ${userId} does not name a client: points are given to clients only`);
  }

  static amountNotChargeable(amountMinor: number, currency: string, step: number): PointsError {
    const below = amountMinor - (amountMinor % step);
    return new PointsError(
      PointsErrorCode.AmountNotChargeable,
      `amount_cents ${amountMinor} cannot be charged in ${currency}: Stripe takes ${currency} amounts in steps of ${step} minor units ` +
        `(${decimalAmount(below, currency)} or ${decimalAmount(below + step, currency)})`,
    );
  }
}
