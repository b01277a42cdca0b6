import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError } from './app-error';
import { ApiErrorResponse } from './error-response.dto';
import { routeTemplateOf } from '../observability/route-label';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';

const CODES: Partial<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
};

/** One JSON error shape for every failure; unexpected errors are logged with a correlation id and hidden. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const correlationId = requestIdOf(request);
    const body = this.toBody(exception, correlationId);
    const retryAfter = exception instanceof AppError ? exception.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));

    if (body.status >= 500) {
      // The route template, not the URL: no ids or query strings in logs. A deliberate 5xx (an AppError:
      // shutting down, retry later) is a warning without a stack; anything else is an error with one.
      const error = exception as Error;
      const what = `${request.method} ${routeTemplateOf(request)} failed [${correlationId}]: ${error?.message}`;
      if (exception instanceof AppError) this.logger.warn(what);
      else this.logger.error(what, error?.stack);
    }
    response.setHeader(REQUEST_ID_HEADER, correlationId);
    response.status(body.status).json(body);
  }

  private toBody(exception: unknown, correlationId: string): ApiErrorResponse {
    if (exception instanceof AppError) {
      return { status: exception.status, error: exception.code, message: exception.message, correlationId };
    }
    if (exception instanceof HttpException && isJsonParseError(exception.cause)) {
      return { status: 400, error: 'MALFORMED_JSON', message: 'The request body is not valid JSON', correlationId };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const messages = Array.isArray(raw) ? raw.map(String) : [typeof raw === 'string' ? raw : exception.message];
      const code =
        (typeof response === 'object' && (response as { code?: string }).code) ||
        (status === 400 && Array.isArray(raw) ? 'VALIDATION_FAILED' : (CODES[status] ?? 'HTTP_ERROR'));
      return {
        status,
        error: code,
        message: messages.join('; '),
        ...(messages.length > 1 ? { details: messages } : {}),
        correlationId,
      };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'INTERNAL_ERROR',
      message: 'Something went wrong on our side; nothing was charged twice. Please retry later.',
      correlationId,
    };
  }
}

/** body-parser's failure on invalid JSON, which the Express adapter wraps in a BadRequestException. */
function isJsonParseError(cause: unknown): boolean {
  return cause instanceof SyntaxError && (cause as SyntaxError & { type?: string }).type === 'entity.parse.failed';
}
