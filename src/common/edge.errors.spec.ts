import { BadRequestException, HttpException, HttpStatus } from '@nestjs/common';
import { AppError } from './app-error';
import { EdgeError, EdgeErrorCode } from './edge.errors';

describe(EdgeError.name, () => {
  it('is an AppError typed by its codes, keeping what caused it out of its message', () => {
    const cause = new SyntaxError('Unexpected end of JSON input');
    const sut = EdgeError.malformedJson(cause);

    const code: EdgeErrorCode = sut.code;
    expect(sut).toBeInstanceOf(AppError);
    expect(code).toBe('MALFORMED_JSON');
    expect(sut).toMatchObject({ status: HttpStatus.BAD_REQUEST, message: 'The request body is not valid JSON', cause });
    expect(sut.problems).toBeUndefined();
  });

  it.each([
    [HttpStatus.BAD_REQUEST, 'BAD_REQUEST'],
    [HttpStatus.UNAUTHORIZED, 'UNAUTHORIZED'],
    [HttpStatus.FORBIDDEN, 'FORBIDDEN'],
    [HttpStatus.NOT_FOUND, 'NOT_FOUND'],
    [HttpStatus.METHOD_NOT_ALLOWED, 'METHOD_NOT_ALLOWED'],
    [HttpStatus.CONFLICT, 'CONFLICT'],
    [HttpStatus.PAYLOAD_TOO_LARGE, 'PAYLOAD_TOO_LARGE'],
    [HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE'],
    [HttpStatus.UNPROCESSABLE_ENTITY, 'UNPROCESSABLE_ENTITY'],
    [HttpStatus.TOO_MANY_REQUESTS, 'TOO_MANY_REQUESTS'],
  ])('names an HttpException of status %i %s, keeping its status', (status, code) => {
    const exception = new HttpException('Refused', status);

    expect(EdgeError.fromHttpException(exception)).toMatchObject({ status, code, message: 'Refused', cause: exception });
  });

  it('leaves a status without a code to the filter (HTTP_ERROR)', () => {
    expect(EdgeError.fromHttpException(new HttpException('No', HttpStatus.NOT_ACCEPTABLE))).toBeUndefined();
    expect(EdgeError.fromHttpException(new HttpException('Down', HttpStatus.SERVICE_UNAVAILABLE))).toBeUndefined();
  });

  it("takes the validation pipe's list as VALIDATION_FAILED, every problem kept when there are several", () => {
    expect(EdgeError.fromHttpException(new BadRequestException(['pack is required']))).toMatchObject({ code: 'VALIDATION_FAILED', message: 'pack is required', problems: undefined });
    expect(EdgeError.fromHttpException(new BadRequestException(['a', 'b']))).toMatchObject({ code: 'VALIDATION_FAILED', message: 'a; b', problems: ['a', 'b'] });
    expect(EdgeError.fromHttpException(new HttpException({ message: ['a', 'b'] }, HttpStatus.CONFLICT))).toMatchObject({ code: 'CONFLICT', message: 'a; b', problems: ['a', 'b'] });
  });

  it("falls back to the exception's own message when its response has none", () => {
    expect(EdgeError.fromHttpException(new HttpException({ reason: 'x' }, HttpStatus.BAD_REQUEST))).toMatchObject({ code: 'BAD_REQUEST', message: 'Http Exception' });
  });
});
