import { Injectable } from '@nestjs/common';
import { EventBus, OnTransactionEvent } from '../../events/event-bus';
import { PaymentCapturedEvent } from '../../events/event-map';
import { TransferKind } from '../entities/ledger-transfer.entity';
import { LotsService } from '../lots/lots.service';
import { PurchaseBalances } from '../purchase-balances';

/**
 * Credits a captured payment inside the payment's own transaction: the client's balance for the
 * profile, and the moderator who handles the conversation (or a hold for the next one), and opens
 * the purchase's lot. The ledger keys `purchase:<id>` and `attribution:<id>` make a second credit of
 * one purchase impossible.
 */
@Injectable()
export class CreditPointsWhenPaymentCaptured {
  constructor(
    private readonly balances: PurchaseBalances,
    private readonly lots: LotsService,
    private readonly events: EventBus,
  ) {}

  @OnTransactionEvent('payment.captured')
  async handle(payment: PaymentCapturedEvent): Promise<void> {
    const credit = await this.balances.move({
      ...payment,
      direction: 'in',
      client: { key: `purchase:${payment.transactionId}`, kind: TransferKind.Purchase },
      earnings: { key: `attribution:${payment.transactionId}`, kind: TransferKind.Attribution, heldKind: TransferKind.Hold },
    });
    if (!credit) return;
    await this.lots.open(
      {
        transactionId: payment.transactionId,
        interactionId: credit.interactionId,
        moderatorId: credit.moderatorId,
        points: payment.points,
        amountCents: payment.amountCents,
        currency: payment.currency,
      },
      credit.clientBalanceBefore,
    );

    await this.events.emitInTransaction('points.credited', {
      transactionId: payment.transactionId,
      interactionId: credit.interactionId,
      moderatorId: credit.moderatorId,
      points: payment.points,
    });
    if (credit.moderatorId) {
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
