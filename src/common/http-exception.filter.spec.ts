import {
  ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Logger,
  NotAcceptableException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { AuthError } from '../auth/auth.errors';
import { Role } from '../users/user-role';
import { RateLimitError } from '../rate-limit/rate-limit.errors';
import { EdgeError } from './edge.errors';
import { HttpExceptionFilter } from './http-exception.filter';

interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The body as it goes on the wire: its properties in this order. */
  json: string;
}

function answer(exception: unknown, bodyLimit = 65536): Answer {
  const headers: Record<string, string> = {};
  let status = 0;
  let body: unknown;
  const reply = {
    header(name: string, value: string) {
      headers[name.toLowerCase()] = value;
      return reply;
    },
    status(code: number) {
      status = code;
      return reply;
    },
    send(payload: unknown) {
      body = payload;
      return reply;
    },
  };
  const request = { method: 'POST', routeOptions: { bodyLimit }, raw: { headers: { 'x-request-id': 'c0ffee' } } };
  const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }) };
  new HttpExceptionFilter().catch(exception, host as unknown as ArgumentsHost);
  return { status, headers, json: JSON.stringify(body) };
}

const wire = (body: Record<string, unknown>) => JSON.stringify({ ...body, correlationId: 'c0ffee' });

describe(HttpExceptionFilter.name, () => {
  let logError: jest.SpyInstance;
  let logWarning: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    logWarning = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers an AppError with its status, code and message, and the correlation id', () => {
    const sut = answer(AuthError.tokenRequired());

    expect(sut.status).toBe(401);
    expect(sut.json).toBe(wire({ status: 401, error: 'UNAUTHORIZED', message: 'A valid bearer token is required (Authorization: Bearer <JWT>)' }));
    expect(sut.headers).toEqual({ 'x-request-id': 'c0ffee' });
  });

  it('answers a role refusal 403 FORBIDDEN, without WWW-Authenticate', () => {
    const sut = answer(AuthError.roleNotAllowed([Role.Client]));

    expect(sut.json).toBe(wire({ status: 403, error: 'FORBIDDEN', message: 'This route is for: client' }));
    expect(sut.headers['www-authenticate']).toBeUndefined();
  });

  it('sets Retry-After from the AppError', () => {
    const sut = answer(RateLimitError.tooMany('requests', 2.5));

    expect(sut.status).toBe(429);
    expect(sut.headers['retry-after']).toBe('3');
    expect(JSON.parse(sut.json)).toMatchObject({ status: 429, error: 'RATE_LIMITED' });
  });

  it.each([
    [EdgeError.unsupportedMediaType('text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json (got text/plain)'],
    [EdgeError.unsupportedMediaType(''), 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json (got no Content-Type)'],
    [EdgeError.malformedJson(new SyntaxError('x')), 400, 'MALFORMED_JSON', 'The request body is not valid JSON'],
    [EdgeError.bodyTooDeep(32), 400, 'BODY_TOO_DEEP', 'The request body is nested deeper than 32 levels'],
    [EdgeError.bodyTooLarge(65536), 413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than this route accepts (65536 bytes)'],
  ])('answers the body parser’s refusal %#', (error, status, code, message) => {
    expect(answer(error)).toEqual({ status, headers: { 'x-request-id': 'c0ffee' }, json: wire({ status, error: code, message }) });
  });

  it("answers Fastify's own 413 (mapped by Nest) in the route's words", () => {
    const fastify = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    const sut = answer(new HttpException(fastify.message, 413, { cause: fastify }), 1048576);

    expect(sut.json).toBe(wire({ status: 413, error: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this route accepts (1048576 bytes)' }));
  });

  it('answers a client gone mid-body 400 REQUEST_ABORTED', () => {
    const sut = answer(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));

    expect(sut.json).toBe(wire({ status: 400, error: 'REQUEST_ABORTED', message: 'The client closed the connection before the request body arrived' }));
  });

  it("answers the validation pipe's list as VALIDATION_FAILED, each problem in details when there are several", () => {
    expect(answer(new BadRequestException(['pack is required'])).json).toBe(wire({ status: 400, error: 'VALIDATION_FAILED', message: 'pack is required' }));
    expect(answer(new BadRequestException(['a is bad', 'b is bad'])).json).toBe(
      wire({ status: 400, error: 'VALIDATION_FAILED', message: 'a is bad; b is bad', details: ['a is bad', 'b is bad'] }),
    );
  });

  it("names Nest's other refusals by their status", () => {
    expect(answer(new NotFoundException('Cannot GET /nowhere')).json).toBe(wire({ status: 404, error: 'NOT_FOUND', message: 'Cannot GET /nowhere' }));
    expect(answer(new ForbiddenException()).json).toBe(wire({ status: 403, error: 'FORBIDDEN', message: 'Forbidden' }));
    expect(answer(new BadRequestException('Bad id')).json).toBe(wire({ status: 400, error: 'BAD_REQUEST', message: 'Bad id' }));
    expect(answer(new HttpException('Nope', HttpStatus.METHOD_NOT_ALLOWED)).json).toBe(wire({ status: 405, error: 'METHOD_NOT_ALLOWED', message: 'Nope' }));
  });

  it('answers an HttpException of a status without a code HTTP_ERROR, and logs a 5xx one with its stack', () => {
    expect(answer(new NotAcceptableException()).json).toBe(wire({ status: 406, error: 'HTTP_ERROR', message: 'Not Acceptable' }));

    const sut = answer(new ServiceUnavailableException('down'));

    expect(sut.json).toBe(wire({ status: 503, error: 'HTTP_ERROR', message: 'down' }));
    expect(logError).toHaveBeenCalledWith(expect.stringContaining('failed [c0ffee]: down'), expect.any(String));
  });

  it('hides an unexpected error behind INTERNAL_ERROR and logs it with its stack', () => {
    const sut = answer(new TypeError('secret detail'));

    expect(sut.json).toBe(wire({ status: 500, error: 'INTERNAL_ERROR', message: 'Something went wrong on our side; nothing was charged twice. Please retry later.' }));
    expect(sut.json).not.toContain('secret');
    expect(logError).toHaveBeenCalledWith(expect.stringContaining('secret detail'), expect.any(String));
  });

  it('logs a deliberate 5xx AppError as a warning without a stack', () => {
    const sut = answer(EdgeError.internal(new Error('why')));

    expect(sut.status).toBe(500);
    expect(logWarning).toHaveBeenCalledTimes(1);
    expect(logError).not.toHaveBeenCalled();
  });
});
