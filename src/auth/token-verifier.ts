import { webcrypto } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { type CryptoKey, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { Env } from '../config/env.schema';
import { Role } from '../users/user-role';
import { AuthError } from './auth.errors';
import { ClaimSettings, claimSettings, profileClaimsOf, roleOf, userIdOf } from './platform-claims';
import { KeyRefused, KeySetUnavailable, PlatformKeys } from './platform-keys';
import { refuseClaims, tokenPolicy, TokenPolicy } from './token-policy';

/** The algorithms of the platform's keys (SPEC §10). HS256 is only ever checked against JWT_SECRET. */
export const PLATFORM_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

/** Provider of the platform's key set: a PlatformKeys when JWT_JWKS_URL is set, else null. */
export const PLATFORM_KEYS = Symbol('PLATFORM_KEYS');

/** A token whose signature, algorithm, issuer, audience, expiry and token policy all passed. */
export interface VerifiedToken {
  /** The user id it names (JWT_USER_ID_CLAIM). */
  userId: string;
  /**
   * Who vouches for it: `platform` — signed with a key of JWT_JWKS_URL, it may create its user just in
   * time; `secret` — HS256 with JWT_SECRET, its user must exist.
   */
  source: 'platform' | 'secret';
  /**
   * The role a platform token claims (JWT_ROLE_CLAIM through JWT_ROLE_MAP), null when none (and for
   * HS256 tokens). Only used to create its user: the stored role is the one that counts.
   */
  role: Role | null;
  name?: string;
  email?: string;
  /** Seconds since the epoch: a socket is closed then. */
  exp: number;
}

/**
 * The one place a bearer token is verified, for the rate-limit guard, HTTP authentication and the
 * socket handshake alike, so that all three give the same answer for the same token.
 *
 * The algorithm decides which key may verify it, and nothing else: HS256 only with JWT_SECRET (and
 * only when it is set), RS256, ES256 and EdDSA only with a key of the platform's set (and only when
 * JWT_JWKS_URL is set). So an HS256 token keyed with the platform's public key is checked against
 * JWT_SECRET (or refused when there is none) and `alg: none` is refused, as is any other algorithm.
 * Then the token policy (exp required, lifetime cap, iat) and the user id claim. Refusals are
 * AuthErrors (401); a platform key set that cannot be read is a 503 (AuthError.keysUnavailable).
 */
@Injectable()
export class TokenVerifier implements OnApplicationBootstrap {
  private readonly policy: TokenPolicy;
  private readonly claims: ClaimSettings;
  private readonly secret: Promise<CryptoKey> | null;

  constructor(
    env: Env,
    @Optional() @Inject(PLATFORM_KEYS) private readonly keys: PlatformKeys | null,
  ) {
    this.policy = tokenPolicy(env);
    this.claims = claimSettings(env);
    // Imported once: a key object, not the secret's text, on every verification (parsing the secret on each was a GET's largest CPU cost).
    this.secret = env.JWT_SECRET === undefined ? null : webcrypto.subtle.importKey('raw', new TextEncoder().encode(env.JWT_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  }

  onApplicationBootstrap(): void {
    void this.keys?.warm();
  }

  async verify(token: string): Promise<VerifiedToken> {
    const source = this.sourceOf(token);
    let payload: JWTPayload;
    try {
      const options = { algorithms: source === 'secret' ? ['HS256'] : PLATFORM_ALGORITHMS, issuer: this.policy.issuer, audience: this.policy.audience };
      ({ payload } = source === 'secret' ? await jwtVerify(token, await this.secret!, options) : await jwtVerify(token, this.keys!.getKey, options));
    } catch (error) {
      throw refusalOf(error);
    }
    const refusal = refuseClaims(payload, this.policy);
    if (refusal) throw AuthError.claimsRefused(refusal);
    // The service's own HS256 tokens name their user in `sub` (SPEC §6); the platform's where it says.
    const userId = userIdOf(payload, source === 'secret' ? 'sub' : this.claims.userIdClaim);
    if (userId === null) throw AuthError.noValidSubject();
    if (source === 'secret') return { userId, source, role: null, exp: payload.exp! };
    return { userId, source, role: roleOf(payload, this.claims), ...profileClaimsOf(payload), exp: payload.exp! };
  }

  /** Which key may verify the token, read from its header before anything is trusted. */
  private sourceOf(token: string): VerifiedToken['source'] {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw AuthError.tokenRequired();
    }
    if (alg === 'HS256' && this.secret) return 'secret';
    if (typeof alg === 'string' && PLATFORM_ALGORITHMS.includes(alg) && this.keys) return 'platform';
    throw AuthError.claimsRefused(`The token's algorithm (${typeof alg === 'string' ? alg.slice(0, 20) : 'none'}) is not accepted here`);
  }
}

function refusalOf(error: unknown): Error {
  if (error instanceof AuthError) return error;
  if (error instanceof KeySetUnavailable) return AuthError.keysUnavailable();
  if (error instanceof KeyRefused) return AuthError.claimsRefused(error.message);
  if (error instanceof errors.JWTExpired) return AuthError.tokenExpired();
  if (error instanceof errors.JWTClaimValidationFailed) return AuthError.claimsRefused(`The token's ${error.claim} claim is not accepted here`);
  if (error instanceof errors.JOSEError) return AuthError.tokenRequired();
  // Anything else is not about the token (the platform's set broken, a bug): the service's failure.
  return error as Error;
}
