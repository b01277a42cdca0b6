import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../../auth/auth.decorators';
import { ApiErrorResponse } from '../../common/error-response.dto';
import { StripeSignatureGuard, type SignedStripeRequest } from './stripe-signature.guard';
import { StripeWebhookService, WebhookOutcome } from './stripe-webhook.service';

export class WebhookAckDto {
  @ApiProperty({ example: true })
  received: boolean;

  @ApiProperty({ example: 'credited', description: 'What the event did; a repeated event answers "duplicate"' })
  outcome: WebhookOutcome;
}

@ApiTags('stripe')
@Controller('stripe')
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
      'Each event takes effect exactly once; a 5xx asks Stripe to retry.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ type: WebhookAckDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'INVALID_STRIPE_SIGNATURE: missing, wrong or stale signature' })
  async receive(@Req() request: SignedStripeRequest): Promise<WebhookAckDto> {
    return { received: true, outcome: await this.webhooks.handle(request.stripeEvent) };
  }
}

