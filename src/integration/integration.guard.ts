import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IntegrationCredential } from '../auth/integration-credential';
import { IntegrationError } from './integration.errors';

/**
 * The integration routes answer only the platform's backend: `Authorization: Bearer
 * <INTEGRATION_TOKEN>` (any token of the configured list); anything else, a user's JWT included, is a
 * 401. Without INTEGRATION_TOKEN the routes answer 404, as a path the service does not have.
 */
@Injectable()
export class IntegrationGuard implements CanActivate {
  constructor(private readonly credential: IntegrationCredential) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.credential.enabled) throw IntegrationError.disabled(request.method, request.url.split('?')[0]);
    if (!this.credential.accepts(request.headers.authorization)) throw IntegrationError.unauthorized();
    return true;
  }
}
