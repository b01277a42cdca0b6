import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../common/app-error';
import { Role } from '../users/user-role';

export enum AuthErrorCode {
  /** No bearer token, a bad or expired one, one the token policy refuses, or one for a user that does not exist. */
  Unauthorized = 'UNAUTHORIZED',
  /** A valid token whose user's role may not use the route. */
  Forbidden = 'FORBIDDEN',
  /** The platform's key set (JWT_JWKS_URL) cannot be read and no copy of it is known yet: retry later. */
  KeysUnavailable = 'AUTH_KEYS_UNAVAILABLE',
}

/**
 * Refusals of authentication (HTTP: AuthGuard and JwtStrategy; the socket handshake resolves its user
 * with `resolveAuthUser` too and answers its UNAUTHORIZED in the gateway's own words). No
 * `WWW-Authenticate` header: the answer is the JSON error body alone.
 */
export class AuthError extends moduleError<AuthErrorCode>({
  [AuthErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [AuthErrorCode.KeysUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
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

  /** The user was erased by the platform: none of their tokens is accepted again. */
  static userErased(): AuthError {
    return new AuthError(AuthErrorCode.Unauthorized, 'The token names a user who was erased');
  }

  /** A platform token for a user that does not exist yet, which cannot create it (`why`). */
  static cannotCreateUser(why: string): AuthError {
    return new AuthError(AuthErrorCode.Unauthorized, `The token names a user that does not exist, and ${why}`);
  }

  static keysUnavailable(): AuthError {
    return new AuthError(AuthErrorCode.KeysUnavailable, "The platform's signing keys cannot be read right now; nothing was done. Retry shortly.", {
      retryAfterSeconds: 5,
    });
  }

  static roleNotAllowed(roles: readonly Role[]): AuthError {
    return new AuthError(AuthErrorCode.Forbidden, `This route is for: ${roles.join(', ')}`);
  }
}
