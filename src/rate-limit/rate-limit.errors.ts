import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error';

export enum RateLimitErrorCode {
  RateLimited = 'RATE_LIMITED',
}

export class RateLimitError extends AppError {
  readonly status = HttpStatus.TOO_MANY_REQUESTS;

  private constructor(
    message: string,
    override readonly retryAfterSeconds: number,
  ) {
    super(RateLimitErrorCode.RateLimited, message);
  }

  static tooMany(what: string, retryAfterSeconds: number): RateLimitError {
    const wait = Math.max(1, Math.ceil(retryAfterSeconds));
    return new RateLimitError(`Too many ${what}; nothing was done. Retry in ${wait} s.`, wait);
  }
}
