import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { INTEGRATION_SECURITY } from '../common/openapi';
import { RateLimit } from '../rate-limit/rate-limit.decorators';
import { IntegrationGuard } from './integration.guard';

/**
 * A route of the platform's backend (SPEC §10): no user JWT but the INTEGRATION_TOKEN, its own rate
 * limit (all of the backend's requests together), its own tag and security scheme in the document,
 * whose 401 and 404 answers the document adds to every such route (src/common/openapi.ts).
 */
export const Integration = () =>
  applyDecorators(Public(), UseGuards(IntegrationGuard), RateLimit('integration'), ApiTags('integration'), ApiBearerAuth(INTEGRATION_SECURITY));
