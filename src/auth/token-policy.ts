import { Env } from '../config/env.schema';

/** What a bearer token must satisfy beyond its signature (checked the same way for HTTP and sockets). */
export interface TokenPolicy {
  /** Longest accepted lifetime, `exp − iat` (or `exp − now` without `iat`), in seconds. */
  maxTtlSeconds: number;
  issuer?: string;
  audience?: string;
}

/** Clocks differ a little between the token's issuer and this service. */
export const CLOCK_SKEW_SECONDS = 30;

export type TokenClaims = { exp?: unknown; iat?: unknown; [claim: string]: unknown };

export function tokenPolicy(env: Pick<Env, 'JWT_MAX_TTL_SECONDS' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>): TokenPolicy {
  return { maxTtlSeconds: env.JWT_MAX_TTL_SECONDS, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
}

/**
 * Why a token whose signature verified is still refused, or null when it is acceptable. The signature
 * library (jose) has already refused an expired token, one not yet valid (`nbf`), and a wrong issuer
 * or audience; this adds what it lets through: no `exp`, a lifetime beyond the cap (`exp: 1e300`, `iat` ten years ago), an `iat` in the future.
 */
export function refuseClaims(claims: TokenClaims, policy: TokenPolicy, nowSeconds = Date.now() / 1000): string | null {
  const { exp, iat } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'The token has no expiry (exp): tokens must expire';
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return 'The token has an invalid issue time (iat)';
  if (typeof iat === 'number' && iat > nowSeconds + CLOCK_SKEW_SECONDS) return 'The token is issued in the future (iat)';
  const lifetime = exp - (typeof iat === 'number' ? iat : nowSeconds);
  if (lifetime > policy.maxTtlSeconds) {
    return `The token lives longer than this service accepts (${policy.maxTtlSeconds} s from iat to exp)`;
  }
  return null;
}
