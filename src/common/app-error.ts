import { HttpStatus } from '@nestjs/common';

/**
 * Base of every module's error. Services throw these, never HTTP exceptions; the global filter maps
 * `status` and `code` to the response. `code` is stable: clients may switch on it.
 */
export abstract class AppError extends Error {
  abstract readonly status: HttpStatus;
  /** Set on 429 and 503 answers: the `Retry-After` header, in seconds. */
  readonly retryAfterSeconds?: number;

  protected constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
