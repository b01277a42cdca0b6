import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiErrorResponse } from '../common/error-response.dto';
import { IS_PUBLIC } from '../common/public-route';
import { Role } from '../users/user-role';
import { AuthUser } from './auth-user';

export const ROLES = 'auth:roles';

/** Opts a route out of the global bearer-token requirement (webhook, health, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Requires a bearer token, and one of `roles` when given; documents the 401/403 answers. */
export const Auth = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ApiErrorResponse, description: 'Missing, invalid or expired bearer token' }),
    ...(roles.length > 0
      ? [ApiForbiddenResponse({ type: ApiErrorResponse, description: `Only for: ${roles.join(', ')}` })]
      : []),
  );

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  return context.switchToHttp().getRequest<{ user: AuthUser }>().user;
});
