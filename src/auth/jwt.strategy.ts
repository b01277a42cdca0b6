import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Env } from '../config/env.schema';
import { UsersService } from '../users/users.service';
import { AuthUser, JwtClaims } from './auth-user';
import { isId } from '../common/ids';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    config: ConfigService<Env, true>,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.get('JWT_SECRET', { infer: true }),
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(claims: Partial<JwtClaims>): Promise<AuthUser> {
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
