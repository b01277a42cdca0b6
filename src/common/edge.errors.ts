import { HttpException, HttpStatus } from '@nestjs/common';
import { AppErrorOptions, moduleError } from './app-error';

export enum EdgeErrorCode {
  // Refusals of a request body (src/common/body-limits.ts, and Fastify's own body limit).
  /** An API route's body is not sent as JSON (415). */
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  /** The body is not JSON, or not an object or an array at the top level. */
  MalformedJson = 'MALFORMED_JSON',
  /** The body is nested deeper than MAX_BODY_DEPTH. */
  BodyTooDeep = 'BODY_TOO_DEEP',
  /** The body is over the route's limit (also the code of any other 413). */
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  /** The client closed the connection before its body arrived: nobody reads this answer. */
  RequestAborted = 'REQUEST_ABORTED',

  // Nest's and Fastify's own refusals (HttpException), named by their status.
  /** The validation pipe refused the body, query or path parameters. */
  ValidationFailed = 'VALIDATION_FAILED',
  BadRequest = 'BAD_REQUEST',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  /** No such route (Nest's "Cannot GET /…"). */
  NotFound = 'NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  Conflict = 'CONFLICT',
  UnprocessableEntity = 'UNPROCESSABLE_ENTITY',
  TooManyRequests = 'TOO_MANY_REQUESTS',

  /** Anything unexpected: logged with the correlation id, its text never sent. */
  Internal = 'INTERNAL_ERROR',
  /** No database connection came free in time (every one busy, or the database stuck): retry later. */
  DatabaseBusy = 'DATABASE_BUSY',
}

/** The code of an HttpException (Nest's, or Fastify's mapped by Nest) by its status; other statuses answer HTTP_ERROR. */
const CODE_OF_STATUS: Partial<Record<number, EdgeErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: EdgeErrorCode.BadRequest,
  [HttpStatus.UNAUTHORIZED]: EdgeErrorCode.Unauthorized,
  [HttpStatus.FORBIDDEN]: EdgeErrorCode.Forbidden,
  [HttpStatus.NOT_FOUND]: EdgeErrorCode.NotFound,
  [HttpStatus.METHOD_NOT_ALLOWED]: EdgeErrorCode.MethodNotAllowed,
  [HttpStatus.CONFLICT]: EdgeErrorCode.Conflict,
  [HttpStatus.PAYLOAD_TOO_LARGE]: EdgeErrorCode.PayloadTooLarge,
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: EdgeErrorCode.UnsupportedMediaType,
  [HttpStatus.UNPROCESSABLE_ENTITY]: EdgeErrorCode.UnprocessableEntity,
  [HttpStatus.TOO_MANY_REQUESTS]: EdgeErrorCode.TooManyRequests,
};

/** The code of an HttpException whose status has no code of its own. */
export const UNNAMED_HTTP_ERROR = 'HTTP_ERROR';

/**
 * Refusals made before a request reaches a module: by the body parser, or by Nest and Fastify
 * themselves (their HttpExceptions, turned into these by the global filter), and the hidden answer to
 * an unexpected failure.
 */
export class EdgeError extends moduleError<EdgeErrorCode>({
  [EdgeErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [EdgeErrorCode.MalformedJson]: HttpStatus.BAD_REQUEST,
  [EdgeErrorCode.BodyTooDeep]: HttpStatus.BAD_REQUEST,
  [EdgeErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [EdgeErrorCode.RequestAborted]: HttpStatus.BAD_REQUEST,
  [EdgeErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [EdgeErrorCode.BadRequest]: HttpStatus.BAD_REQUEST,
  [EdgeErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [EdgeErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [EdgeErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [EdgeErrorCode.MethodNotAllowed]: HttpStatus.METHOD_NOT_ALLOWED,
  [EdgeErrorCode.Conflict]: HttpStatus.CONFLICT,
  [EdgeErrorCode.UnprocessableEntity]: HttpStatus.UNPROCESSABLE_ENTITY,
  [EdgeErrorCode.TooManyRequests]: HttpStatus.TOO_MANY_REQUESTS,
  [EdgeErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
  [EdgeErrorCode.DatabaseBusy]: HttpStatus.SERVICE_UNAVAILABLE,
}) {
  /** Every problem, when the refusal found several (the validation pipe): the answer's `details`. */
  readonly problems?: readonly string[];

  private constructor(code: EdgeErrorCode, message: string, options: AppErrorOptions & { problems?: readonly string[] } = {}) {
    super(code, message, options);
    this.problems = options.problems;
  }

  /** `type`: the request's media type, lowercase, without parameters ('' when it sent none). */
  static unsupportedMediaType(type: string, expected = 'application/json'): EdgeError {
    return new EdgeError(EdgeErrorCode.UnsupportedMediaType, `Send the request body as ${expected} (got ${type || 'no Content-Type'})`);
  }

  static unsupportedEncoding(encoding: string): EdgeError {
    return new EdgeError(EdgeErrorCode.UnsupportedMediaType, `Send the request body uncompressed (got Content-Encoding: ${encoding.slice(0, 40)})`);
  }

  static malformedJson(cause: unknown): EdgeError {
    return new EdgeError(EdgeErrorCode.MalformedJson, 'The request body is not valid JSON', { cause });
  }

  /** A NUL or a lone surrogate in a body field: no column stores it as sent (a retry would not match it). */
  static unstorableText(): EdgeError {
    return new EdgeError(
      EdgeErrorCode.ValidationFailed,
      'The request body contains a NUL character (\\u0000) or a lone surrogate (half of a UTF-16 pair), which no field accepts',
    );
  }

  /** `problem`: what is wrong with the URL (path or query), e.g. "contains a NUL character (%00)". */
  static unreadableUrl(problem: string): EdgeError {
    return new EdgeError(EdgeErrorCode.ValidationFailed, `The URL ${problem}, which no parameter accepts`);
  }

  static bodyTooDeep(maxDepth: number): EdgeError {
    return new EdgeError(EdgeErrorCode.BodyTooDeep, `The request body is nested deeper than ${maxDepth} levels`);
  }

  /** `limit`: the route's body limit in bytes. */
  static bodyTooLarge(limit: number): EdgeError {
    return new EdgeError(EdgeErrorCode.PayloadTooLarge, `The request body is larger than this route accepts (${limit} bytes)`);
  }

  static requestAborted(cause: unknown): EdgeError {
    return new EdgeError(EdgeErrorCode.RequestAborted, 'The client closed the connection before the request body arrived', { cause });
  }

  static databaseBusy(cause: unknown): EdgeError {
    return new EdgeError(EdgeErrorCode.DatabaseBusy, 'The service is busy and did nothing; retry in a few seconds', { cause, retryAfterSeconds: 5 });
  }

  static internal(cause: unknown): EdgeError {
    return new EdgeError(EdgeErrorCode.Internal, 'Something went wrong on our side; nothing was charged twice. Please retry later.', { cause });
  }

  /**
   * Nest's or Fastify's refusal in the service's words: its messages joined with "; " (each one in
   * `problems` when there are several), its code from its status — VALIDATION_FAILED for the list of
   * a 400 (the validation pipe's). Undefined for a status without a code (see UNNAMED_HTTP_ERROR).
   */
  static fromHttpException(exception: HttpException): EdgeError | undefined {
    const status: HttpStatus = exception.getStatus();
    const messages = messagesOf(exception);
    const code = status === HttpStatus.BAD_REQUEST && messages.fromList ? EdgeErrorCode.ValidationFailed : CODE_OF_STATUS[status];
    if (code === undefined) return undefined;
    return new EdgeError(code, messages.list.join('; '), { cause: exception, problems: messages.list.length > 1 ? messages.list : undefined });
  }
}

/** The messages of an HttpException: its response's `message` (a string or a list), else its own. */
export function messagesOf(exception: HttpException): { list: string[]; fromList: boolean } {
  const response = exception.getResponse();
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (Array.isArray(raw)) return { list: raw.map(String), fromList: true };
  return { list: [typeof raw === 'string' ? raw : exception.message], fromList: false };
}
