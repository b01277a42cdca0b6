import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportGuard } from '@nestjs/passport';
import { Role } from '../users/user-role';
import { IS_PUBLIC } from '../common/public-route';
import { ROLES } from './auth.decorators';
import { AuthUser } from './auth-user';
import { AuthError } from './auth.errors';
import { nodeRequestOf } from '../common/request-id';

/** Global: every HTTP route needs a valid bearer token unless marked @Public(); @Auth(roles) narrows it. */
@Injectable()
export class AuthGuard extends PassportGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await (super.canActivate(context) as Promise<boolean>);

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets) ?? [];
    const request = context.switchToHttp().getRequest<{ user: AuthUser; raw?: { user?: AuthUser } }>();
    const user = request.user;
    // The request's log line, written from the Node request once the answer has left, names the user.
    nodeRequestOf<{ user?: AuthUser }>(request).user = user;
    if (roles.length > 0 && !roles.includes(user.role)) {
      throw AuthError.roleNotAllowed(roles);
    }
    return true;
  }

  /**
   * The strategy's own refusals (TokenVerifier, Authenticator) keep their reason; an error while
   * resolving the user (the database busy or down, the platform's keys unreadable) is the service's
   * failure, not the token's, and goes to the filter as it is (503, 500): a client must not drop a
   * valid token over it.
   */
  override handleRequest<TUser>(error: unknown, user: TUser): TUser {
    // Any error object (a driver's may come from another realm, so not `instanceof Error` here).
    if (typeof error === 'object' && error !== null) throw error as Error;
    if (error || !user) throw AuthError.tokenRequired();
    return user;
  }
}
