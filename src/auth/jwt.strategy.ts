import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Env } from '../config/env.schema';
import { UsersService } from '../users/users.service';
import { AuthUser, JwtClaims } from './auth-user';
import { AuthError } from './auth.errors';
import { isId } from '../common/ids';
import { refuseClaims, TokenClaims, tokenPolicy, TokenPolicy, verifyOptions } from './token-policy';
import { hmacKey, verifiedClaimsFor } from './verified-token';

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();
/** passport-jwt's types name Express's request; it reads only `headers`, which Fastify's request has too. */
type PassportRequest = Parameters<Strategy['authenticate']>[0];

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  private readonly policy: TokenPolicy;

  constructor(
    config: ConfigService<Env, true>,
    private readonly users: UsersService,
  ) {
    const policy = tokenPolicy({
      JWT_MAX_TTL_SECONDS: config.get('JWT_MAX_TTL_SECONDS', { infer: true }),
      JWT_ISSUER: config.get('JWT_ISSUER', { infer: true }),
      JWT_AUDIENCE: config.get('JWT_AUDIENCE', { infer: true }),
    });
    super({
      jwtFromRequest: bearerToken,
      // passport-jwt hands the key to jsonwebtoken as is; its types only name strings and buffers.
      secretOrKey: hmacKey(config.get('JWT_SECRET', { infer: true })) as unknown as string,
      ignoreExpiration: false,
      ...verifyOptions(policy),
    });
    this.policy = policy;
  }

  /**
   * When the rate-limit guard already verified this very token (signature, algorithm, issuer,
   * audience, expiry and the token policy), its claims are used as they are; otherwise passport-jwt
   * verifies the token as before (a route or a setup without the rate-limit guard).
   */
  override authenticate(request: PassportRequest, options?: unknown): void {
    const claims = verifiedClaimsFor(request, bearerToken(request));
    if (!claims) {
      super.authenticate(request, options);
      return;
    }
    this.validate(claims).then(
      (user) => this.success(user),
      (error: Error) => this.error(error),
    );
  }

  async validate(claims: TokenClaims): Promise<AuthUser> {
    const refusal = refuseClaims(claims, this.policy);
    if (refusal) throw AuthError.claimsRefused(refusal);
    return resolveAuthUser(this.users, claims);
  }
}

/**
 * Shared by HTTP and the websocket handshake: a token is only as good as the user it names. The user
 * is read through a cache of USER_LOOKUP_CACHE_SECONDS (5 s, src/users/user-lookup-cache.ts): a
 * deleted user is refused at most that long after the deletion, a changed role applies within it.
 */
export async function resolveAuthUser(users: UsersService, claims: Partial<JwtClaims>): Promise<AuthUser> {
  if (!isId(claims.sub)) throw AuthError.noValidSubject();
  const user = await users.findIdentity(claims.sub);
  if (!user) throw AuthError.unknownUser();
  return { id: user.id, role: user.role, email: user.email };
}
