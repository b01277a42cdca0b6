import { JwtService } from '@nestjs/jwt';
import { TEST_JWT_SECRET } from './test-app';

const signer = new JwtService({ secret: TEST_JWT_SECRET });

/**
 * An HS256 token with the test secret holding exactly the claims given: no defaults added (no exp,
 * iat, issuer or audience unless given), and a claim given as undefined left out. For tests of the
 * token rules; test/factories' tokenFor() gives an ordinary valid token.
 */
export function signClaims(claims: Record<string, unknown>): string {
  return signer.sign(Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined)), { algorithm: 'HS256' });
}
