import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import Stripe from 'stripe';
import { Env } from '../../config/env.schema';
import { PaymentsError } from '../payments.errors';
import { STRIPE } from '../stripe.client';

export type SignedStripeRequest = Request & { rawBody?: Buffer; stripeEvent: Stripe.Event };

/** Admits a webhook only if `Stripe-Signature` matches the raw body and is within the tolerance. */
@Injectable()
export class StripeSignatureGuard implements CanActivate {
  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly config: ConfigService<Env, true>,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<SignedStripeRequest>();
    const signature = request.headers['stripe-signature'];
    if (typeof signature !== 'string' || signature.length === 0) {
      throw PaymentsError.invalidSignature('the Stripe-Signature header is missing');
    }
    if (!Buffer.isBuffer(request.rawBody) || request.rawBody.length === 0) {
      throw PaymentsError.invalidSignature('the body is empty or not JSON');
    }
    try {
      request.stripeEvent = this.stripe.webhooks.constructEvent(
        request.rawBody,
        signature,
        this.config.get('STRIPE_WEBHOOK_SECRET', { infer: true }),
        this.config.get('STRIPE_WEBHOOK_TOLERANCE', { infer: true }),
      );
    } catch (error) {
      throw PaymentsError.invalidSignature((error as Error).message.split('\n')[0]);
    }
    return true;
  }
}
