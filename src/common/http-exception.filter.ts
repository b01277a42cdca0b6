import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error';
import { bodyTooLarge } from './body-limits';
import { ApiErrorResponse } from './error-response.dto';
import { routeTemplateOf } from '../observability/route-label';
import { nodeRequestOf, REQUEST_ID_HEADER, requestIdOf } from './request-id';

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
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const correlationId = requestIdOf(nodeRequestOf(request));
    const body = this.toBody(asOurs(exception, request), correlationId);
    const retryAfter = exception instanceof AppError ? exception.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));

    if (body.status >= 500) {
      // The route template, not the URL: no ids or query strings in logs. A deliberate 5xx (an AppError:
      // shutting down, retry later) is a warning without a stack; anything else is an error with one.
      const error = exception as Error;
      const what = `${request.method} ${routeTemplateOf(nodeRequestOf(request))} failed [${correlationId}]: ${error?.message}`;
      if (exception instanceof AppError) this.logger.warn(what);
      else this.logger.error(what, error?.stack);
    }
    reply.header(REQUEST_ID_HEADER, correlationId);
    reply.status(body.status).send(body);
  }

  private toBody(exception: unknown, correlationId: string): ApiErrorResponse {
    if (exception instanceof AppError) {
      return { status: exception.status, error: exception.code, message: exception.message, correlationId };
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

/** Fastify's own refusals, in the service's words (the 413 names the route's limit). */
function asOurs(exception: unknown, request: FastifyRequest): unknown {
  const code = exception instanceof HttpException ? (exception.cause as { code?: unknown } | undefined)?.code : undefined;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return bodyTooLarge(request.routeOptions?.bodyLimit ?? 0);
  // Node's error when the client closes the connection before its body has arrived: nobody reads this answer.
  if ((exception as { code?: unknown } | null)?.code === 'ECONNRESET') {
    return new BadRequestException({ message: 'The client closed the connection before the request body arrived', code: 'REQUEST_ABORTED' });
  }
  return exception;
}
