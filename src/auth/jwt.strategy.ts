import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Env } from '../config/env.schema';
import { UsersService } from '../users/users.service';
import { AuthUser, JwtClaims } from './auth-user';
import { isId } from '../common/ids';
import { refuseClaims, TokenClaims, tokenPolicy, TokenPolicy, verifyOptions } from './token-policy';

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
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.get('JWT_SECRET', { infer: true }),
      ignoreExpiration: false,
      ...verifyOptions(policy),
    });
    this.policy = policy;
  }

  async validate(claims: TokenClaims): Promise<AuthUser> {
    const refusal = refuseClaims(claims, this.policy);
    if (refusal) throw new UnauthorizedException(refusal);
    return resolveAuthUser(this.users, claims);
  }
}

/** Shared by HTTP and the websocket handshake: a token is only as good as the user it names. */
export async function resolveAuthUser(users: UsersService, claims: Partial<JwtClaims>): Promise<AuthUser> {
  if (!isId(claims.sub)) {
    throw new UnauthorizedException('The token has no valid subject');
  }
  const user = await users.findById(claims.sub);
  if (!user) throw new UnauthorizedException('The token names a user that does not exist');
  return { id: user.id, role: user.role, email: user.email };
}
