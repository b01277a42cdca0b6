import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

export enum PaymentsErrorCode {
  InvalidSignature = 'INVALID_STRIPE_SIGNATURE',
  StripeUnavailable = 'STRIPE_UNAVAILABLE',
  TransactionNotFound = 'TRANSACTION_NOT_FOUND',
  NotProfileModerator = 'NOT_PROFILE_MODERATOR',
  PurchaseNotYetCredited = 'PURCHASE_NOT_YET_CREDITED',
  FraudWarningNotFound = 'FRAUD_WARNING_NOT_FOUND',
  FraudWarningNotActive = 'FRAUD_WARNING_NOT_ACTIVE',
}

export class PaymentsError extends moduleError<PaymentsErrorCode>({
  [PaymentsErrorCode.InvalidSignature]: HttpStatus.BAD_REQUEST,
  [PaymentsErrorCode.StripeUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [PaymentsErrorCode.TransactionNotFound]: HttpStatus.NOT_FOUND,
  [PaymentsErrorCode.NotProfileModerator]: HttpStatus.FORBIDDEN,
  [PaymentsErrorCode.PurchaseNotYetCredited]: HttpStatus.SERVICE_UNAVAILABLE,
  [PaymentsErrorCode.FraudWarningNotFound]: HttpStatus.NOT_FOUND,
  [PaymentsErrorCode.FraudWarningNotActive]: HttpStatus.CONFLICT,
}) {
  static invalidSignature(reason: string): PaymentsError {
    return new PaymentsError(PaymentsErrorCode.InvalidSignature, `Stripe signature rejected: ${reason}`);
  }

  /** Stripe refused, failed or did not answer in time: a retry (a new checkout) may succeed. */
  static stripeUnavailable(): PaymentsError {
    return new PaymentsError(PaymentsErrorCode.StripeUnavailable, 'The payment provider could not be reached; nothing was charged. Please try again.', {
      retryAfterSeconds: 5,
    });
  }

  static transactionNotFound(): PaymentsError {
    return new PaymentsError(PaymentsErrorCode.TransactionNotFound, 'No purchase of yours matches this checkout session');
  }

  static notProfileModerator(profileId: string): PaymentsError {
    return new PaymentsError(
      PaymentsErrorCode.NotProfileModerator,
      `Only the moderator of profile ${profileId} or an admin can read all of its transactions`,
    );
  }

  /** A refund or dispute arrived before the payment it concerns was credited: Stripe retries later. */
  static purchaseNotYetCredited(transactionId: string): PaymentsError {
    return new PaymentsError(
      PaymentsErrorCode.PurchaseNotYetCredited,
      `Transaction ${transactionId} is not credited yet; this event will apply on Stripe's next attempt`,
    );
  }

  static fraudWarningNotFound(warningId: string): PaymentsError {
    return new PaymentsError(PaymentsErrorCode.FraudWarningNotFound, `No purchase has the early fraud warning "${warningId}"`);
  }

  static fraudWarningNotActive(warningId: string, status: string): PaymentsError {
    return new PaymentsError(
      PaymentsErrorCode.FraudWarningNotActive,
      `Early fraud warning ${warningId} no longer holds its purchase (${status}): there is nothing to release`,
    );
  }
}
