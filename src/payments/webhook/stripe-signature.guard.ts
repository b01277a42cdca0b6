import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import Stripe from 'stripe';
import { Env } from '../../config/env.schema';
import { AnonymousBudget } from '../../rate-limit/anonymous-budget.service';
import { INVALID_WEBHOOKS } from '../../rate-limit/rate-limit.errors';
import { PaymentsError } from '../payments.errors';
import { STRIPE } from '../stripe.client';

/** `stripePayload` is the signed body parsed as JSON: any JSON value, trusted as to its sender only. */
export type SignedStripeRequest = Request & { rawBody?: Buffer; stripePayload: unknown };

/** A body whose signature is valid but which is not JSON: still Stripe's, so acknowledged as malformed. */
export const UNPARSABLE_PAYLOAD = Symbol('unparsable Stripe payload');

/**
 * Admits a webhook only if `Stripe-Signature` matches the raw body and its timestamp is within the
 * tolerance, in the past (Stripe's check) or in the future (ours: the SDK accepts any future time,
 * which would make a signature replayable for as long as its timestamp is ahead).
 *
 * Each refusal spends the sender's anonymous budget (RATE_LIMIT_ANONYMOUS_PER_MINUTE): past it, the
 * refusal is a 429, and the next deliveries from that address are refused before their body is read
 * (src/rate-limit/outside-routes.ts). Stripe's own deliveries are never refused: they are signed.
 */
@Injectable()
export class StripeSignatureGuard implements CanActivate {
  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly env: Env,
    private readonly budget: AnonymousBudget,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SignedStripeRequest>();
    try {
      this.verify(request);
    } catch (error) {
      throw (await this.budget.spend(request.ip, INVALID_WEBHOOKS)) ?? error;
    }
    return true;
  }

  private verify(request: SignedStripeRequest): void {
    const signature = request.headers['stripe-signature'];
    if (typeof signature !== 'string' || signature.length === 0) {
      throw PaymentsError.invalidSignature('the Stripe-Signature header is missing');
    }
    if (!Buffer.isBuffer(request.rawBody) || request.rawBody.length === 0) {
      throw PaymentsError.invalidSignature('the body is empty or not JSON');
    }
    const tolerance = this.env.STRIPE_WEBHOOK_TOLERANCE;
    const verifier = this.stripe.webhooks.signature;
    if (!verifier) throw new Error('the Stripe SDK offers no webhook signature verifier');
    try {
      // Not constructEvent: it also parses the body, and a signed body that is not an event is Stripe's, answered 2xx.
      verifier.verifyHeader(request.rawBody, signature, this.env.STRIPE_WEBHOOK_SECRET ?? '', tolerance);
    } catch (error) {
      throw PaymentsError.invalidSignature((error as Error).message.split('\n')[0]);
    }
    const timestamp = signedAt(signature);
    if (!Number.isSafeInteger(timestamp) || timestamp - Math.floor(Date.now() / 1000) > tolerance) {
      throw PaymentsError.invalidSignature('Timestamp outside the tolerance zone (in the future)');
    }
    // Parsed only now that Stripe's signature is verified (the body parser leaves the webhook's bytes
    // alone: src/common/body-limits.ts). Any JSON value or none: the service records what it cannot apply.
    request.stripePayload = parse(request.rawBody);
  }
}

/** The `t=` the signature was computed over, read as the Stripe SDK reads it (the last one wins). */
export function signedAt(header: string): number {
  let timestamp = Number.NaN;
  for (const item of header.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') timestamp = Number.parseInt(value ?? '', 10);
  }
  return timestamp;
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return UNPARSABLE_PAYLOAD;
  }
}
