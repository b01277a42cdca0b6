import { Injectable } from '@nestjs/common';
import { Role } from '../users/user-role';
import { UsersService } from '../users/users.service';
import { AuthUser } from './auth-user';
import { AuthError } from './auth.errors';
import { TokenVerifier, VerifiedToken } from './token-verifier';

/**
 * Who a bearer token is, for HTTP (JwtStrategy) and the socket handshake alike: the token verified
 * by the one TokenVerifier, then its user as stored. A token is only as good as the user it names;
 * the stored role is the one that counts, whatever role the token claims.
 *
 * A token signed with the platform's keys whose user does not exist yet creates it, just in time
 * (SPEC §10), with the token's role, except `admin`, which only the integration routes or an admin
 * give; a token with no role this service knows cannot create a user. HS256 tokens create nobody. An
 * erased user stays erased: their row exists, so no token creates it again, and it is refused.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly users: UsersService,
  ) {}

  /** Verifies the token and resolves its user: AuthErrors for every refusal. */
  async authenticate(token: string): Promise<{ user: AuthUser; verified: VerifiedToken }> {
    const verified = await this.verifier.verify(token);
    return { user: await this.userOf(verified), verified };
  }

  /**
   * The user of a verified token, read through UsersService.findIdentity (cached for
   * USER_LOOKUP_CACHE_SECONDS per instance): the same question every later check asks.
   */
  async userOf(verified: VerifiedToken): Promise<AuthUser> {
    const found = await this.users.findIdentity(verified.userId);
    if (found) return { id: found.id, role: found.role, email: found.email };
    if (verified.source === 'secret') throw await this.absent(verified.userId);
    if (verified.role === null) throw AuthError.cannotCreateUser('its role claim names no role this service knows (JWT_ROLE_CLAIM, JWT_ROLE_MAP)');
    if (verified.role === Role.Admin) throw AuthError.cannotCreateUser('a token cannot make an admin: the platform\'s backend gives that role (PUT /integration/users/:id)');
    const created = await this.users.createFromPlatform({ id: verified.userId, role: verified.role, name: verified.name, email: verified.email });
    if (!created) throw AuthError.userErased();
    return { id: created.id, role: created.role, email: created.email };
  }

  private async absent(userId: string): Promise<AuthError> {
    return (await this.users.stateOf(userId)) === 'erased' ? AuthError.userErased() : AuthError.unknownUser();
  }
}
