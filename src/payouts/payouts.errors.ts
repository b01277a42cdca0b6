import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum PayoutsErrorCode {
  InvalidIban = 'INVALID_IBAN',
  UntilInFuture = 'UNTIL_IN_FUTURE',
  PayoutRunNotFound = 'PAYOUT_RUN_NOT_FOUND',
  PayoutNotFound = 'PAYOUT_NOT_FOUND',
  PayoutNotPending = 'PAYOUT_NOT_PENDING',
  SepaNotConfigured = 'SEPA_NOT_CONFIGURED',
  NoEurPayouts = 'NO_EUR_PAYOUTS',
  ModeratorNotFound = 'MODERATOR_NOT_FOUND',
  MonthInFuture = 'MONTH_IN_FUTURE',
  UserErased = 'USER_ERASED',
}

export class PayoutsError extends moduleError<PayoutsErrorCode>({
  [PayoutsErrorCode.InvalidIban]: HttpStatus.BAD_REQUEST,
  [PayoutsErrorCode.UntilInFuture]: HttpStatus.BAD_REQUEST,
  [PayoutsErrorCode.PayoutRunNotFound]: HttpStatus.NOT_FOUND,
  [PayoutsErrorCode.PayoutNotFound]: HttpStatus.NOT_FOUND,
  [PayoutsErrorCode.PayoutNotPending]: HttpStatus.CONFLICT,
  [PayoutsErrorCode.SepaNotConfigured]: HttpStatus.CONFLICT,
  [PayoutsErrorCode.NoEurPayouts]: HttpStatus.CONFLICT,
  [PayoutsErrorCode.ModeratorNotFound]: HttpStatus.NOT_FOUND,
  [PayoutsErrorCode.MonthInFuture]: HttpStatus.BAD_REQUEST,
  [PayoutsErrorCode.UserErased]: HttpStatus.GONE,
}) {
  static invalidIban(problem: string): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.InvalidIban, `iban: ${problem}`);
  }

  static untilInFuture(until: Date, now: Date): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.UntilInFuture, `until (${until.toISOString()}) must not be after now (${now.toISOString()})`);
  }

  static runNotFound(id: string): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.PayoutRunNotFound, `No payout run has id ${id}`);
  }

  static payoutNotFound(id: string): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.PayoutNotFound, `No payout has id ${id}`);
  }

  static notPending(id: string, status: string): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.PayoutNotPending, `Payout ${id} is ${status}: only a pending payout can be marked paid or cancelled`);
  }

  static sepaNotConfigured(): PayoutsError {
    return new PayoutsError(
      PayoutsErrorCode.SepaNotConfigured,
      "A SEPA file needs the platform's account: set PAYOUT_DEBTOR_NAME, PAYOUT_DEBTOR_IBAN and PAYOUT_DEBTOR_BIC (the CSV file needs none)",
    );
  }

  static noEurPayouts(runId: string): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.NoEurPayouts, `Payout run ${runId} has no EUR payout to transfer: a SEPA file holds EUR credit transfers only`);
  }

  static moderatorNotFound(id: string): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.ModeratorNotFound, `No user has id ${id}`);
  }

  static monthInFuture(month: string): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.MonthInFuture, `${month} has not begun: a statement covers the current month or an earlier one`);
  }

  static userErased(id: string): PayoutsError {
    return new PayoutsError(PayoutsErrorCode.UserErased, `User ${id} was erased: payout details can no longer be set for them`);
  }
}
