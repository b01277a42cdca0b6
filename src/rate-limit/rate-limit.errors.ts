import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

/** What an address without a valid token spends its budget on, in a refusal's words. */
export const ANONYMOUS_REQUESTS = 'requests without a valid token from this address';
export const INVALID_WEBHOOKS = 'webhook deliveries with an invalid Stripe signature from this address';

export enum RateLimitErrorCode {
  RateLimited = 'RATE_LIMITED',
}

export class RateLimitError extends moduleError<RateLimitErrorCode>({
  [RateLimitErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
}) {
  static tooMany(what: string, retryAfterSeconds: number): RateLimitError {
    const wait = Math.max(1, Math.ceil(retryAfterSeconds));
    return new RateLimitError(RateLimitErrorCode.RateLimited, `Too many ${what}; nothing was done. Retry in ${wait} s.`, { retryAfterSeconds: wait });
  }
}
