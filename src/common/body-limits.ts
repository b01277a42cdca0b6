import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';

/** Stripe's largest events stay well under 1 MB; the webhook keeps its raw bytes for the signature. */
export const WEBHOOK_PATH = '/stripe/webhook';
export const WEBHOOK_BODY_LIMIT = '1mb';
/** Every other route takes a few small fields (the largest: a list of notification ids). */
export const API_BODY_LIMIT = '64kb';
/** The service's own bodies are at most three levels deep; this leaves room and stops recursion bombs. */
export const MAX_BODY_DEPTH = 32;

type RawBodyRequest = Request & { rawBody?: Buffer };

const webhookJson = express.json({
  limit: WEBHOOK_BODY_LIMIT,
  type: () => true,
  verify: (request: RawBodyRequest, _response, buffer) => {
    request.rawBody = buffer;
  },
});
const apiJson = express.json({ limit: API_BODY_LIMIT });
const apiForm = express.urlencoded({ limit: API_BODY_LIMIT, extended: false });

/**
 * The JSON body parser of every route (named `jsonParser` so that Nest does not add its own): the
 * webhook's limit and raw body, the API's smaller limit, and a depth check on the parsed body so that
 * a 10 KB body nested 5,000 levels deep is a 400 instead of a stack overflow in the validator.
 */
export function jsonParser(request: Request, response: Response, next: NextFunction): void {
  const parse = request.path === WEBHOOK_PATH ? webhookJson : apiJson;
  parse(request, response, (error?: unknown) => {
    if (error) return next(asHttpError(error));
    if (request.path !== WEBHOOK_PATH && depthExceeds(request.body, MAX_BODY_DEPTH)) {
      return next(new BadRequestException({ message: `The request body is nested deeper than ${MAX_BODY_DEPTH} levels`, code: 'BODY_TOO_DEEP' }));
    }
    next();
  });
}

/** Form bodies are not part of the API, but a small one is parsed rather than left as a stream. */
export function urlencodedParser(request: Request, response: Response, next: NextFunction): void {
  apiForm(request, response, (error?: unknown) => next(error ? asHttpError(error) : undefined));
}

/** Iterative, so that measuring a hostile body cannot overflow the stack either. */
export function depthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** body-parser's errors carry a status and a type; keep the ones the filter knows, as Nest would. */
function asHttpError(error: unknown): unknown {
  const parserError = error as { status?: number; type?: string; limit?: number };
  if (parserError.type === 'entity.too.large' || parserError.status === 413) {
    return new PayloadTooLargeException({ message: `The request body is larger than this route accepts (${parserError.limit} bytes)`, code: 'PAYLOAD_TOO_LARGE' });
  }
  if (parserError.type === 'entity.parse.failed') return new BadRequestException('The request body is not valid JSON', { cause: error });
  if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    return new BadRequestException({ message: (error as Error).message, code: 'BAD_REQUEST' });
  }
  return error;
}
