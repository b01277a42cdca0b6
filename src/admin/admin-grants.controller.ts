import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiGoneResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { ApiErrorResponse } from '../common/error-response.dto';
import { GrantsService } from '../points/grants.service';
import { Role } from '../users/user-role';
import { GrantRequestDto, GrantResponseDto } from './dto/admin-grant.dto';

@ApiTags('admin')
@Controller('admin/grants')
export class AdminGrantsController {
  constructor(private readonly grants: GrantsService) {}

  @Post()
  @Auth(Role.Admin)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Give a client promotional points for a profile (a welcome bonus, a compensation)',
    description:
      'They cost nothing and earn no moderator anything: a lot of their own with no money, which a spend uses before paid points ' +
      'and a refund never takes back as such. The same idempotency_key for the same client gives once and answers the first result.',
  })
  @ApiOkResponse({ type: GrantResponseDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED or MALFORMED_JSON' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PROFILE_NOT_FOUND' })
  @ApiGoneResponse({ type: ApiErrorResponse, description: 'USER_ERASED: an erased client receives nothing more' })
  @ApiUnprocessableEntityResponse({ type: ApiErrorResponse, description: 'NOT_A_CLIENT, or IDEMPOTENCY_KEY_REUSED with a different request' })
  grant(@CurrentUser() admin: AuthUser, @Body() body: GrantRequestDto): Promise<GrantResponseDto> {
    return this.grants.grant({
      clientId: body.client_id,
      profileId: body.profile_id,
      points: body.points,
      reason: body.reason,
      idempotencyKey: body.idempotency_key,
      grantedBy: admin.id,
    });
  }
}
