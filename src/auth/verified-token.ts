import type { VerifiedToken } from './token-verifier';

/**
 * The rate-limit guard runs first and verifies the bearer token to know whose budget a request
 * spends; it leaves what it verified on the request so authentication does not verify the same token
 * again (a signature check and a JSON parse per request). Kept under a symbol: nothing a client sends
 * can set it.
 */
const VERIFIED = Symbol('verifiedBearerToken');

interface Verified {
  token: string;
  verified: VerifiedToken;
}

type Carrier = { [VERIFIED]?: Verified };

/** Called only once TokenVerifier.verify accepted exactly this token. */
export function handOnVerifiedToken(request: object, token: string, verified: VerifiedToken): void {
  (request as Carrier)[VERIFIED] = { token, verified };
}

/** What was verified earlier in this request, if it belongs to exactly this token. */
export function verifiedTokenFor(request: object, token: string | null | undefined): VerifiedToken | undefined {
  const carried = (request as Carrier)[VERIFIED];
  return carried && token && carried.token === token ? carried.verified : undefined;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerTokenOf(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1] : null;
}
