import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { ApiErrorResponse } from '../common/error-response.dto';
import { ApiPageResponse, Page, PageQuery } from '../common/pagination';
import { RateLimit } from '../rate-limit/rate-limit.decorators';
import { Role } from '../users/user-role';
import { CheckoutService } from './checkout.service';
import { CheckoutRequestDto, CheckoutResponseDto } from './dto/checkout.dto';
import { SuccessQueryDto, TransactionDto } from './dto/transaction.dto';
import { PurchasesService } from './purchases.service';

@ApiTags('profile-points')
@Controller('profile-points')
export class PaymentsController {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly transactions: PurchasesService,
  ) {}

  @Post('checkout')
  @RateLimit('checkout')
  @Auth(Role.Client)
  @ApiOperation({ summary: 'Start buying a pack: creates the Stripe Checkout Session and the pending transaction' })
  @ApiCreatedResponse({ type: CheckoutResponseDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED, MALFORMED_JSON or UNKNOWN_PACK' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PROFILE_NOT_FOUND' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'PROFILE_INACTIVE: the platform stopped sales for this profile; nothing was charged' })
  @ApiServiceUnavailableResponse({
    type: ApiErrorResponse,
    description: 'STRIPE_UNAVAILABLE: Stripe refused, failed or did not answer within 20 s; nothing was charged, retry after Retry-After seconds',
  })
  create(@CurrentUser() client: AuthUser, @Body() body: CheckoutRequestDto): Promise<CheckoutResponseDto> {
    return this.checkout.createCheckout(client, body);
  }

  @Get('success')
  @Auth(Role.Client)
  @ApiOperation({
    summary: "The caller's purchase for a Checkout Session",
    description: 'Reports the status only; points are credited by the signed Stripe webhook, never by this route.',
  })
  @ApiOkResponse({ type: TransactionDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: session_id missing' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'TRANSACTION_NOT_FOUND: no purchase of the caller has this session' })
  success(@CurrentUser() client: AuthUser, @Query() query: SuccessQueryDto): Promise<TransactionDto> {
    return this.transactions.bySessionForClient(client, query.session_id);
  }

  @Get('transactions/client')
  @Auth(Role.Client)
  @ApiOperation({ summary: "The caller's purchases, newest first" })
  @ApiPageResponse(TransactionDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: bad limit or cursor' })
  clientTransactions(@CurrentUser() client: AuthUser, @Query() page: PageQuery): Promise<Page<TransactionDto>> {
    return this.transactions.listForClient(client, page);
  }

  @Get('transactions/profile/:profile')
  @Auth()
  @ApiOperation({
    summary: "A profile's purchases, newest first",
    description: "The profile's moderator and admins see all of them; a client sees only its own.",
  })
  @ApiPageResponse(TransactionDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: bad limit or cursor' })
  @ApiForbiddenResponse({ type: ApiErrorResponse, description: 'NOT_PROFILE_MODERATOR' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PROFILE_NOT_FOUND' })
  profileTransactions(
    @CurrentUser() caller: AuthUser,
    @Param('profile') profileId: string,
    @Query() page: PageQuery,
  ): Promise<Page<TransactionDto>> {
    return this.transactions.listForProfile(caller, profileId, page);
  }
}
