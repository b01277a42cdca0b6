import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { OnIntegrationEvent } from '../../events/event-bus';
import { Published } from '../../events/event-map';
import { STRIPE } from '../stripe.client';

/**
 * EFW_AUTO_REFUND: asks Stripe, after the warning's transaction committed, for the refund it decided
 * (what the purchase's unspent points cost). The outbox delivers the request at least once; the
 * idempotency key makes Stripe refund once whatever the number of tries. Stripe then sends
 * `charge.refunded`, which reverses the points as any refund does and ends the warning's hold. A
 * refusal a retry cannot change (the charge was refunded or disputed meanwhile) is logged and
 * dropped; any other failure is thrown, so the relay tries again with backoff.
 */
@Injectable()
export class RefundAtStripeWhenFraudRefundRequested {
  private readonly logger = new Logger(RefundAtStripeWhenFraudRefundRequested.name);

  constructor(@Inject(STRIPE) private readonly stripe: Stripe) {}

  @OnIntegrationEvent('fraud_refund.requested')
  async handle(request: Published<'fraud_refund.requested'>): Promise<void> {
    const target = request.chargeId ? { charge: request.chargeId } : { payment_intent: request.paymentIntentId ?? undefined };
    try {
      const refund = await this.stripe.refunds.create(
        {
          ...target,
          amount: request.amountCents,
          reason: 'fraudulent',
          metadata: { transaction_id: request.transactionId, early_fraud_warning: request.warningId },
        },
        { idempotencyKey: `efw-refund:${request.warningId}` },
      );
      this.logger.log(`early fraud warning ${request.warningId}: refund ${refund.id} of ${request.amountCents} ${request.currency} for transaction ${request.transactionId}`);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        this.logger.warn(`early fraud warning ${request.warningId}: Stripe refused the refund of transaction ${request.transactionId} (${error.message}); not retried`);
        return;
      }
      throw error;
    }
  }
}
