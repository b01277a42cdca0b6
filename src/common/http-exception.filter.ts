import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error';
import { EdgeError, EdgeErrorCode, messagesOf, UNNAMED_HTTP_ERROR } from './edge.errors';
import { isBrowserNavigation, sendNotFoundPage } from './not-found-page';
import { ApiErrorResponse } from './error-response.dto';
import { routeTemplateOf } from './route-label';
import { nodeRequestOf, REQUEST_ID_HEADER, requestIdOf } from './request-id';
import { isDatabaseUnavailable } from './database-unavailable';

/**
 * One JSON error shape for every failure: an AppError answers its own status, code and message; Nest's
 * and Fastify's refusals are first turned into EdgeErrors; unexpected errors are logged with a
 * correlation id and hidden.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const correlationId = requestIdOf(nodeRequestOf(request));
    const body = toBody(exception, request, correlationId);
    const known = asAppError(exception, request);
    const retryAfter = known?.retryAfterSeconds;
    if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));

    if (body.status >= 500) {
      // The route template, not the URL: no ids or query strings in logs. A deliberate 5xx (an AppError:
      // shutting down, retry later) is a warning without a stack; anything else is an error with one.
      const error = exception as Error;
      const what = `${request.method} ${routeTemplateOf(nodeRequestOf(request))} failed [${correlationId}]: ${error?.message}`;
      if (known) this.logger.warn(what);
      else this.logger.error(what, error?.stack);
    }
    reply.header(REQUEST_ID_HEADER, correlationId);
    // No route at this address (not a route's own 404): a person's browser gets a page, not JSON.
    if (known instanceof EdgeError && known.code === EdgeErrorCode.NotFound && !(exception instanceof AppError) && isBrowserNavigation(request)) {
      return sendNotFoundPage(reply);
    }
    reply.status(body.status).send(body);
  }
}

function toBody(exception: unknown, request: FastifyRequest, correlationId: string): ApiErrorResponse {
  const error = asAppError(exception, request);
  if (error) {
    const details = error instanceof EdgeError ? error.problems : undefined;
    return { status: error.status, error: error.code, message: error.message, ...(details ? { details: [...details] } : {}), correlationId };
  }
  if (exception instanceof HttpException) {
    // A status no code names (none of the service's routes answers one today): its status, HTTP_ERROR.
    const messages = messagesOf(exception).list;
    return {
      status: exception.getStatus(),
      error: UNNAMED_HTTP_ERROR,
      message: messages.join('; '),
      ...(messages.length > 1 ? { details: messages } : {}),
      correlationId,
    };
  }
  const internal = EdgeError.internal(exception);
  return { status: internal.status, error: internal.code, message: internal.message, correlationId };
}

/**
 * The exception as an AppError: itself, or Nest's and Fastify's refusals in the service's words (the
 * 413 of Fastify's body limit names the route's limit); undefined for anything unexpected.
 */
function asAppError(exception: unknown, request: FastifyRequest): AppError | undefined {
  if (exception instanceof AppError) return exception;
  const fastifyCode = exception instanceof HttpException ? (exception.cause as { code?: unknown } | undefined)?.code : undefined;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return EdgeError.bodyTooLarge(request.routeOptions?.bodyLimit ?? 0);
  // Node's error when the client closes the connection before its body has arrived: nobody reads this answer.
  if (isClientAbort(exception)) return EdgeError.requestAborted(exception);
  if (exception instanceof HttpException) return EdgeError.fromHttpException(exception);
  // No database connection free in time, or none could be made: nothing committed; a retry can succeed.
  if (isDatabaseUnavailable(exception)) return EdgeError.databaseBusy(exception);
  return undefined;
}

/** Node's `aborted` (ECONNRESET) of a request whose client went away mid-body: not a connection of ours that failed. */
function isClientAbort(exception: unknown): boolean {
  const { code, message } = (exception ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' && message === 'aborted';
}
