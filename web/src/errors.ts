import { ApiError, NETWORK } from './api';
import { t } from './i18n';
import type { MessageKey } from './messages';

const FRIENDLY: Record<string, MessageKey> = {
  RATE_LIMITED: 'error.RATE_LIMITED',
  UNKNOWN_PACK: 'error.UNKNOWN_PACK',
  PROFILE_NOT_FOUND: 'error.PROFILE_NOT_FOUND',
  STRIPE_UNAVAILABLE: 'error.STRIPE_UNAVAILABLE',
  UNAUTHORIZED: 'error.UNAUTHORIZED',
  FORBIDDEN: 'error.FORBIDDEN',
  TRANSACTION_NOT_FOUND: 'error.TRANSACTION_NOT_FOUND',
  VALIDATION_FAILED: 'error.VALIDATION_FAILED',
  INVALID_IBAN: 'error.INVALID_IBAN',
  PAYOUT_NOT_PENDING: 'error.PAYOUT_NOT_PENDING',
  SEPA_NOT_CONFIGURED: 'error.SEPA_NOT_CONFIGURED',
  NO_EUR_PAYOUTS: 'error.NO_EUR_PAYOUTS',
  UNTIL_IN_FUTURE: 'error.UNTIL_IN_FUTURE',
  MONTH_IN_FUTURE: 'error.MONTH_IN_FUTURE',
  [NETWORK]: 'error.NETWORK',
};

/**
 * What to tell a person about a failed call: a sentence for the error code (never the server's
 * `message`, which is for developers), and for unexpected failures the correlation id to quote.
 */
export function friendlyError(error: unknown): { text: string; reference?: string } {
  if (!(error instanceof ApiError)) return { text: t('error.SERVER') };
  const key = FRIENDLY[error.code];
  if (key !== undefined) return { text: t(key, { seconds: error.retryAfterSeconds ?? 60 }) };
  return { text: t('error.SERVER'), reference: error.correlationId };
}
