import { HttpStatus } from '@nestjs/common';
import { AppError, moduleError } from './app-error';
import { HealthError } from '../health/health.errors';
import { PointsError, PointsErrorCode } from '../points/points.errors';
import { RateLimitError } from '../rate-limit/rate-limit.errors';

enum ExampleCode {
  Missing = 'EXAMPLE_MISSING',
  Busy = 'EXAMPLE_BUSY',
}

class ExampleError extends moduleError<ExampleCode>({
  [ExampleCode.Missing]: HttpStatus.NOT_FOUND,
  [ExampleCode.Busy]: HttpStatus.SERVICE_UNAVAILABLE,
}) {
  static missing(id: string): ExampleError {
    return new ExampleError(ExampleCode.Missing, `No example ${id}`);
  }

  static busy(seconds: number): ExampleError {
    return new ExampleError(ExampleCode.Busy, 'Busy; retry', { retryAfterSeconds: seconds, details: { queue: 3 } });
  }
}

describe(AppError.name, () => {
  it('takes its status from the code, and keeps code and message', () => {
    const sut = ExampleError.missing('7');

    const code: ExampleCode = sut.code; // typed by the module's codes: no cast
    expect(sut.status).toBe(HttpStatus.NOT_FOUND);
    expect(code).toBe('EXAMPLE_MISSING');
    expect(sut.message).toBe('No example 7');
    expect(sut.retryAfterSeconds).toBeUndefined();
    expect(sut.details).toBeUndefined();
  });

  it('is an Error named after the module class, caught as AppError and as that class', () => {
    const sut = ExampleError.missing('7');

    expect(sut).toBeInstanceOf(Error);
    expect(sut).toBeInstanceOf(AppError);
    expect(sut).toBeInstanceOf(ExampleError);
    expect(sut.name).toBe('ExampleError');
    expect(sut.stack).toContain('No example 7');
  });

  it('carries Retry-After seconds and details when given', () => {
    const sut = ExampleError.busy(4);

    expect(sut.status).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    expect(sut.retryAfterSeconds).toBe(4);
    expect(sut.details).toEqual({ queue: 3 });
  });

  it('gives each code of a module its own status', () => {
    expect(PointsError.unknownPack('x', ['100', '500'])).toMatchObject({
      status: HttpStatus.BAD_REQUEST,
      code: PointsErrorCode.UnknownPack,
      message: 'pack "x" is not sold; choose one of: 100, 500',
    });
    expect(PointsError.insufficientPoints(10, -2)).toMatchObject({ status: HttpStatus.CONFLICT, code: 'INSUFFICIENT_POINTS' });
    expect(PointsError.idempotencyKeyReused('k')).toMatchObject({ status: HttpStatus.UNPROCESSABLE_ENTITY, code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('rounds a rate limit wait up to whole seconds, at least 1, in the message and Retry-After', () => {
    const sut = RateLimitError.tooMany('checkouts', 2.2);

    expect(sut).toMatchObject({ status: HttpStatus.TOO_MANY_REQUESTS, code: 'RATE_LIMITED', retryAfterSeconds: 3 });
    expect(sut.message).toBe('Too many checkouts; nothing was done. Retry in 3 s.');
    expect(RateLimitError.tooMany('checkouts', 0.01).retryAfterSeconds).toBe(1);
  });

  it('asks a draining instance to be retried after 1 s, and a not-ready one after 5 s, naming only what is down', () => {
    expect(HealthError.shuttingDown()).toMatchObject({ status: HttpStatus.SERVICE_UNAVAILABLE, code: 'SHUTTING_DOWN', retryAfterSeconds: 1 });
    const notReady = HealthError.notReady(['database']);
    expect(notReady).toMatchObject({ status: HttpStatus.SERVICE_UNAVAILABLE, code: 'NOT_READY', message: 'Not ready: database unavailable' });
    expect(notReady.retryAfterSeconds).toBe(5);
  });
});
