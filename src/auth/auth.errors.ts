import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';
import { Role } from '../users/user-role';

export enum AuthErrorCode {
  /** No bearer token, a bad or expired one, one the token policy refuses, or one for a user that does not exist. */
  Unauthorized = 'UNAUTHORIZED',
  /** A valid token whose user's role may not use the route. */
  Forbidden = 'FORBIDDEN',
}

/**
 * Refusals of authentication (HTTP: AuthGuard and JwtStrategy; the socket handshake resolves its user
 * with `resolveAuthUser` too and answers its UNAUTHORIZED in the gateway's own words). No
 * `WWW-Authenticate` header: the answer is the JSON error body alone.
 */
export class AuthError extends moduleError<AuthErrorCode>({
  [AuthErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
}) {
  /** No token, or one that does not verify (signature, algorithm, issuer, audience, not yet valid). */
  static tokenRequired(): AuthError {
    return new AuthError(AuthErrorCode.Unauthorized, 'A valid bearer token is required (Authorization: Bearer <JWT>)');
  }

  static tokenExpired(): AuthError {
    return new AuthError(AuthErrorCode.Unauthorized, 'The bearer token has expired');
  }

  /** A token whose signature verified but whose claims the token policy refuses (`refuseClaims`' reason). */
  static claimsRefused(reason: string): AuthError {
    return new AuthError(AuthErrorCode.Unauthorized, reason);
  }

  static noValidSubject(): AuthError {
    return new AuthError(AuthErrorCode.Unauthorized, 'The token has no valid subject');
  }

  static unknownUser(): AuthError {
    return new AuthError(AuthErrorCode.Unauthorized, 'The token names a user that does not exist');
  }

  static roleNotAllowed(roles: readonly Role[]): AuthError {
    return new AuthError(AuthErrorCode.Forbidden, `This route is for: ${roles.join(', ')}`);
  }
}
