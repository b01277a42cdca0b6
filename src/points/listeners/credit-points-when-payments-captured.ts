import { Injectable } from '@nestjs/common';
import { EventBus, OnTransactionEvent } from '../../events/event-bus';
import { PaymentsCapturedEvent } from '../../events/event-map';
import { PurchaseBalances } from '../purchase-balances';

/**
 * Credits captured payments inside the payments' own transaction, all of them in a fixed number of
 * statements: the client's balance for the profile, the moderator who handles the conversation (or
 * a hold for the next one), and the purchase's lot. The ledger keys `purchase:<id>` and
 * `attribution:<id>` make a second credit of one purchase impossible.
 */
@Injectable()
export class CreditPointsWhenPaymentsCaptured {
  constructor(
    private readonly balances: PurchaseBalances,
    private readonly events: EventBus,
  ) {}

  @OnTransactionEvent('payments.captured')
  async handle({ payments }: PaymentsCapturedEvent): Promise<void> {
    const credits = await this.balances.creditAll(payments);
    if (credits.length === 0) return;

    const byId = new Map(payments.map((payment) => [payment.transactionId, payment]));
    await this.events.emitInTransaction('points.credited', {
      credits: credits.map(({ transactionId, interactionId, moderatorId }) => ({ transactionId, interactionId, moderatorId, points: byId.get(transactionId)!.points })),
    });
    await this.events.emitInTransaction('balances.changed', {
      changes: credits.map(({ transactionId, moderatorId }) => {
        const payment = byId.get(transactionId)!;
        return {
          type: 'purchase.completed' as const,
          clientId: payment.clientId,
          profileId: payment.profileId,
          occurredAt: payment.capturedAt,
          transactionId,
          moderatorId,
          points: payment.points,
          amountCents: payment.amountCents,
          currency: payment.currency,
        };
      }),
    });
    for (const credit of credits) {
      if (!credit.moderatorId) continue;
      const payment = byId.get(credit.transactionId)!;
      await this.events.publishAfterCommit('points.purchased', {
        transactionId: payment.transactionId,
        clientId: payment.clientId,
        profileId: payment.profileId,
        moderatorId: credit.moderatorId,
        points: payment.points,
        amountCents: payment.amountCents,
        currency: payment.currency,
        creditedAt: payment.capturedAt,
      });
    }
  }
}
