import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Public } from '../../auth/auth.decorators';
import { ApiErrorResponse } from '../../common/error-response.dto';
import { StripeSignatureGuard, type SignedStripeRequest } from './stripe-signature.guard';
import { StripeWebhookService, WEBHOOK_OUTCOMES, WebhookOutcome } from './stripe-webhook.service';
import { NoRateLimit } from '../../rate-limit/rate-limit.decorators';

export class WebhookAckDto {
  @ApiProperty({ type: Boolean, example: true })
  received: boolean;

  @ApiProperty({
    enum: WEBHOOK_OUTCOMES,
    enumName: 'WebhookOutcome',
    example: 'credited',
    description:
      'What the event did. "duplicate": this event was received before and took effect then; "ignored": an event type ' +
      'this service does not handle; "malformed": validly signed but missing or mistyped fields, so it can never be ' +
      'applied: recorded, alerted, nothing changed; "unknown_transaction": it names no purchase of this service.',
  })
  outcome: WebhookOutcome;
}

@ApiTags('stripe')
@Controller('stripe')
@NoRateLimit()
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhookService) {}

  @Post('webhook')
  @Public()
  @HttpCode(200)
  @UseGuards(StripeSignatureGuard)
  @ApiOperation({
    summary: 'Stripe webhook endpoint',
    description:
      'Called by Stripe, authenticated by the Stripe-Signature header over the raw body (no bearer token). ' +
      'Each event takes effect exactly once; a 5xx asks Stripe to retry, and is only answered when a retry can succeed.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ type: WebhookAckDto, description: 'Acknowledged, also when the event is malformed: Stripe need not retry it' })
  @ApiBadRequestResponse({
    type: ApiErrorResponse,
    description: 'INVALID_STRIPE_SIGNATURE: missing or wrong signature, or a timestamp outside the tolerance (past or future)',
  })
  @ApiTooManyRequestsResponse({
    type: ApiErrorResponse,
    description:
      'RATE_LIMITED: deliveries with an invalid signature from this address are over RATE_LIMIT_ANONYMOUS_PER_MINUTE (signed deliveries are never limited); retry after Retry-After seconds',
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
  })
  @ApiServiceUnavailableResponse({ type: ApiErrorResponse, description: 'PURCHASE_NOT_YET_CREDITED: a refund or dispute came before its payment; Stripe retries' })
  async receive(@Req() request: SignedStripeRequest): Promise<WebhookAckDto> {
    return { received: true, outcome: await this.webhooks.handle(request.stripePayload, request.rawBody!) };
  }
}

