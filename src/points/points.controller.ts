import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { ApiErrorResponse } from '../common/error-response.dto';
import { readerLanguage } from '../common/reader-language';
import { mergeVary } from '../common/vary';
import { Role } from '../users/user-role';
import { ProfilePointsDto, ProfilePointsQuery } from './dto/profile-points.dto';
import { SpendRequestDto, SpendResponseDto } from './dto/spend.dto';
import { PointsService } from './points.service';
import { SpendService } from './spend.service';
import { RateLimit } from '../rate-limit/rate-limit.decorators';

@ApiTags('points')
@Controller()
export class PointsController {
  constructor(
    private readonly points: PointsService,
    private readonly spending: SpendService,
  ) {}

  @Get('profile/:profile/points')
  @Auth(Role.Client)
  @ApiOperation({ summary: "A profile's points page: packs for sale, Stripe publishable key, the caller's balance" })
  @ApiOkResponse({ type: ProfilePointsDto })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PROFILE_NOT_FOUND' })
  profilePoints(
    @CurrentUser() caller: AuthUser,
    @Param('profile') profileId: string,
    @Query() query: ProfilePointsQuery,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProfilePointsDto> {
    reply.header('Vary', mergeVary(String(reply.getHeader('vary') ?? ''), 'Accept-Language'));
    return this.points.profilePoints(caller, profileId, readerLanguage(query.lang, acceptLanguage, 'fr'));
  }

  @Post('profile-points/spend')
  @RateLimit('spend')
  @Auth(Role.Client)
  @HttpCode(200)
  @ApiOperation({
    summary: "Spend points of the caller's balance for a profile (e.g. a message)",
    description: 'Atomic with its ledger entry; the same idempotency_key spends once and answers the first result.',
  })
  @ApiOkResponse({ type: SpendResponseDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED or MALFORMED_JSON' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PROFILE_NOT_FOUND' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'INSUFFICIENT_POINTS: nothing was spent' })
  @ApiUnprocessableEntityResponse({ type: ApiErrorResponse, description: 'IDEMPOTENCY_KEY_REUSED with a different request' })
  spend(@CurrentUser() client: AuthUser, @Body() body: SpendRequestDto): Promise<SpendResponseDto> {
    return this.spending.spend(client, body);
  }
}
