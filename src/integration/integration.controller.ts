import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiGoneResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { GrantRequestDto, GrantResponseDto } from '../admin/dto/admin-grant.dto';
import { ApiErrorResponse } from '../common/error-response.dto';
import { SpendResponseDto } from '../points/dto/spend.dto';
import { IntegrationProfileDto, PutIntegrationProfileDto } from './dto/integration-profile.dto';
import { BalanceQueryDto, IntegrationBalanceDto, IntegrationSpendRequestDto } from './dto/integration-points.dto';
import { IntegrationUserDto, PlatformIdParamDto, PutIntegrationUserDto } from './dto/integration-user.dto';
import { Integration } from './integration.decorators';
import { IntegrationService } from './integration.service';

/** The platform's backend: its users and profiles, its clients' balances and spends (SPEC §10). */
@Controller('integration')
@Integration()
export class IntegrationController {
  constructor(private readonly integration: IntegrationService) {}

  @Put('users/:id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create or update a user with the platform\'s id',
    description:
      'The role set here is the one that counts (a token\'s role never changes it). name and email are optional: absent, they are kept; null removes them. ' +
      'A moderator made client earns nothing more: points bought afterwards in the interactions they handled are held for the next moderator.',
  })
  @ApiOkResponse({ type: IntegrationUserDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED, or INVALID_IBAN: the payout IBAN fails its check (nothing is written)' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'EMAIL_TAKEN: another user has this e-mail' })
  @ApiGoneResponse({ type: ApiErrorResponse, description: 'USER_ERASED: the user was erased; erasure is final' })
  putUser(@Param() params: PlatformIdParamDto, @Body() body: PutIntegrationUserDto): Promise<IntegrationUserDto> {
    return this.integration.putUser(params.id, body);
  }

  @Delete('users/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Erase a user',
    description:
      'Name and e-mail removed; purchases, the ledger and earned points kept. Their tokens are refused from then on, on REST and sockets; a later PUT of the id answers 410. Erasing again answers 204.',
  })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: the id is not a positive integer' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'USER_NOT_FOUND' })
  async eraseUser(@Param() params: PlatformIdParamDto): Promise<void> {
    await this.integration.eraseUser(params.id);
  }

  @Put('profiles/:id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create or update a profile with the platform\'s id',
    description:
      'A moderator_id other than the profile\'s acts as PUT /profiles/:profile/moderator: its interactions handled by nobody get that moderator, with their held points. ' +
      'active: false refuses new checkouts (409 PROFILE_INACTIVE); balances and spends are kept.',
  })
  @ApiOkResponse({ type: IntegrationProfileDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  @ApiUnprocessableEntityResponse({ type: ApiErrorResponse, description: 'NOT_A_MODERATOR: moderator_id names no moderator' })
  putProfile(@Param() params: PlatformIdParamDto, @Body() body: PutIntegrationProfileDto): Promise<IntegrationProfileDto> {
    return this.integration.putProfile(params.id, body);
  }

  @Get('balances')
  @ApiOperation({ summary: "A client's balance for a profile, what a spend can use now, and its version" })
  @ApiOkResponse({ type: IntegrationBalanceDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: client_id and profile_id are required ids' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'USER_NOT_FOUND or PROFILE_NOT_FOUND' })
  balance(@Query() query: BalanceQueryDto): Promise<IntegrationBalanceDto> {
    return this.integration.balance(query);
  }

  @Post('grants')
  @HttpCode(200)
  @ApiOperation({
    summary: "Give a client promotional points for a profile, on the platform's behalf",
    description:
      'Exactly POST /admin/grants: points that cost nothing and earn no moderator anything, spent before paid points, never taken back by a refund; ' +
      'the same idempotency_key for the same client gives once and answers the first result.',
  })
  @ApiOkResponse({ type: GrantResponseDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'USER_NOT_FOUND or PROFILE_NOT_FOUND' })
  @ApiGoneResponse({ type: ApiErrorResponse, description: 'USER_ERASED: an erased client receives nothing more' })
  @ApiUnprocessableEntityResponse({ type: ApiErrorResponse, description: 'NOT_A_CLIENT, or IDEMPOTENCY_KEY_REUSED with a different request' })
  grant(@Body() body: GrantRequestDto): Promise<GrantResponseDto> {
    return this.integration.grant(body);
  }

  @Post('spend')
  @HttpCode(200)
  @ApiOperation({
    summary: "Spend points of a client's balance for a profile, on the client's behalf",
    description: 'Exactly POST /profile-points/spend for client_id: atomic with its ledger entry; the same idempotency_key (per client) spends once and answers the first result.',
  })
  @ApiOkResponse({ type: SpendResponseDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'USER_NOT_FOUND or PROFILE_NOT_FOUND' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'INSUFFICIENT_POINTS: nothing was spent' })
  @ApiGoneResponse({ type: ApiErrorResponse, description: 'USER_ERASED' })
  @ApiUnprocessableEntityResponse({ type: ApiErrorResponse, description: 'IDEMPOTENCY_KEY_REUSED with a different request' })
  spend(@Body() body: IntegrationSpendRequestDto): Promise<SpendResponseDto> {
    return this.integration.spend(body);
  }
}
