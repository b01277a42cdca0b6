import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';

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
