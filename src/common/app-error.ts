import { HttpStatus } from '@nestjs/common';

/** What an error may add to its answer besides status, code and message. */
export interface AppErrorOptions {
  /** The `Retry-After` header, in seconds: set on 429 and 503 answers. */
  retryAfterSeconds?: number;
  details?: Record<string, unknown>;
  /** The error that led to this one, kept as the standard `cause`; never sent to the client. */
  cause?: unknown;
}

/**
 * Base of every module's error. Services throw these, never HTTP exceptions; the global filter maps
 * `status` and `code` to the response. `code` is stable: clients may switch on it. A module defines
 * its class with `moduleError`, which types `code` with the module's codes; this root stays
 * non-generic so that `instanceof AppError` narrows to a `string` code, not to `any`.
 */
export abstract class AppError extends Error {
  readonly retryAfterSeconds?: number;
  readonly details?: Record<string, unknown>;

  protected constructor(
    readonly code: string,
    readonly status: HttpStatus,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

/**
 * The base class of one module's errors, from the HTTP status of each of its codes: the module's
 * class then only adds a named factory per error, with its message.
 *
 *     export class PointsError extends moduleError<PointsErrorCode>({ [PointsErrorCode.UnknownPack]: HttpStatus.BAD_REQUEST }) {
 *       static unknownPack(code: string): PointsError {
 *         return new PointsError(PointsErrorCode.UnknownPack, `pack "${code}" is not sold`);
 *       }
 *     }
 */
export function moduleError<Code extends string>(statusOf: Readonly<Record<Code, HttpStatus>>) {
  abstract class ModuleError extends AppError {
    declare readonly code: Code;

    protected constructor(code: Code, message: string, options?: AppErrorOptions) {
      super(code, statusOf[code], message, options);
    }
  }
  return ModuleError;
}
