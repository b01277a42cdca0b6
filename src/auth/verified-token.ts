import { createSecretKey, KeyObject } from 'node:crypto';
import type { TokenClaims } from './token-policy';

/**
 * The rate-limit guard runs first and verifies the bearer token to know whose budget a request
 * spends; it leaves what it verified on the request so authentication does not verify the same token
 * again (an HMAC and a JSON parse per request). Kept under a symbol: nothing a client sends can set it.
 */
const VERIFIED = Symbol('verifiedBearerToken');

interface VerifiedToken {
  token: string;
  claims: TokenClaims;
}

type Carrier = { [VERIFIED]?: VerifiedToken };

/** Called only after the signature, the algorithm, issuer, audience, expiry and `refuseClaims` all passed. */
export function handOnVerifiedToken(request: object, token: string, claims: TokenClaims): void {
  (request as Carrier)[VERIFIED] = { token, claims };
}

/** The claims verified earlier in this request, if they belong to exactly this token. */
export function verifiedClaimsFor(request: object, token: string | null | undefined): TokenClaims | undefined {
  const verified = (request as Carrier)[VERIFIED];
  return verified && token && verified.token === token ? verified.claims : undefined;
}

/**
 * The HS256 secret as a key object, made once. Given a string, jsonwebtoken first tries (and fails) to
 * parse it as a PEM public key on every verification, which the profile showed as the largest single
 * cost of an authenticated GET.
 */
export function hmacKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}
