import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Role } from '../users/user-role';
import { AuthError, AuthErrorCode } from './auth.errors';

describe(AuthError.name, () => {
  it.each([
    [AuthError.tokenRequired(), 'A valid bearer token is required (Authorization: Bearer <JWT>)'],
    [AuthError.tokenExpired(), 'The bearer token has expired'],
    [AuthError.claimsRefused('The token is issued in the future (iat)'), 'The token is issued in the future (iat)'],
    [AuthError.noValidSubject(), 'The token has no valid subject'],
    [AuthError.unknownUser(), 'The token names a user that does not exist'],
  ])('refuses a token with 401 UNAUTHORIZED: %#', (sut, message) => {
    expect(sut).toBeInstanceOf(AppError);
    expect(sut).toMatchObject({ status: HttpStatus.UNAUTHORIZED, code: AuthErrorCode.Unauthorized, message });
    expect(sut.retryAfterSeconds).toBeUndefined();
  });

  it('refuses a role with 403 FORBIDDEN, naming the roles the route is for', () => {
    expect(AuthError.roleNotAllowed([Role.Moderator, Role.Admin])).toMatchObject({
      status: HttpStatus.FORBIDDEN,
      code: 'FORBIDDEN',
      message: 'This route is for: moderator, admin',
    });
  });
});
