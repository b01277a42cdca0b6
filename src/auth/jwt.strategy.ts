import { Injectable } from '@nestjs/common';
import passport from 'passport';
import { Authenticator } from './authenticator';
import { AuthError } from './auth.errors';
import { bearerTokenOf, verifiedTokenFor } from './verified-token';

/** The request as passport hands it over: only its headers are read (Fastify's request has them too). */
type PassportRequest = { headers: { authorization?: string } };

/**
 * The passport strategy `jwt` behind the global AuthGuard: the bearer token, verified by the one
 * TokenVerifier (once: the rate-limit guard already did it for this very token, see
 * verified-token.ts), and its user resolved by the Authenticator, as the socket handshake does.
 */
@Injectable()
export class JwtStrategy extends passport.Strategy {
  override readonly name = 'jwt';

  constructor(private readonly authenticator: Authenticator) {
    super();
    passport.use(this.name, this);
  }

  override authenticate(request: PassportRequest): void {
    this.resolve(request).then(
      (user) => this.success(user),
      (error: unknown) => this.error(error as Error),
    );
  }

  private async resolve(request: PassportRequest) {
    const token = bearerTokenOf(request.headers.authorization);
    if (token === null) throw AuthError.tokenRequired();
    const verified = verifiedTokenFor(request, token);
    if (verified) return this.authenticator.userOf(verified);
    return (await this.authenticator.authenticate(token)).user;
  }
}
