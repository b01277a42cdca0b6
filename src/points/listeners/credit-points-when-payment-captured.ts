import { Injectable } from '@nestjs/common';
import { EventBus, OnTransactionEvent } from '../../events/event-bus';
import { PaymentCapturedEvent } from '../../events/event-map';
import { InteractionsService } from '../../interactions/interactions.service';
import { UsersService } from '../../users/users.service';
import { TransferKind } from '../entities/ledger-transfer.entity';
import { LedgerAccount } from '../ledger-accounts';
import { LedgerService } from '../ledger.service';

/**
 * Credits a captured payment inside the payment's own transaction: the client's balance for the
 * profile, and the moderator who handles the conversation (or a hold for the next one). The ledger
 * keys `purchase:<id>` and `attribution:<id>` make a second credit of one purchase impossible.
 * Lock order: transaction row (caller) → interaction → moderator.
 */
@Injectable()
export class CreditPointsWhenPaymentCaptured {
  constructor(
    private readonly interactions: InteractionsService,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
    private readonly events: EventBus,
  ) {}

  @OnTransactionEvent('payment.captured')
  async handle(payment: PaymentCapturedEvent): Promise<void> {
    const interaction = await this.interactions.lockOrCreate(payment.clientId, payment.profileId);
    const refs = { transactionId: payment.transactionId, interactionId: interaction.id };

    const credited = await this.ledger.transfer({
      key: `purchase:${payment.transactionId}`,
      kind: TransferKind.Purchase,
      debit: LedgerAccount.stripeSales,
      credit: LedgerAccount.client(interaction.id),
      points: payment.points,
      ...refs,
    });
    if (!credited) return;

    const moderatorId = interaction.moderatorId;
    await this.ledger.transfer({
      key: `attribution:${payment.transactionId}`,
      kind: moderatorId ? TransferKind.Attribution : TransferKind.Hold,
      debit: LedgerAccount.platformEarnings,
      credit: moderatorId ? LedgerAccount.moderator(moderatorId) : LedgerAccount.held(interaction.id),
      points: payment.points,
      ...refs,
    });
    await this.interactions.applyBalanceChange(
      interaction.id,
      { balance: payment.points, received: payment.points, held: moderatorId ? 0 : payment.points },
      new Date(payment.capturedAt),
    );
    if (moderatorId) await this.users.addPoints(moderatorId, payment.points);

    await this.events.emitInTransaction('points.credited', {
      transactionId: payment.transactionId,
      interactionId: interaction.id,
      moderatorId,
      points: payment.points,
    });
    if (moderatorId) {
      await this.events.publishAfterCommit('points.purchased', {
        transactionId: payment.transactionId,
        clientId: payment.clientId,
        profileId: payment.profileId,
        moderatorId,
        points: payment.points,
        amountCents: payment.amountCents,
        currency: payment.currency,
        creditedAt: payment.capturedAt,
      });
    }
  }
}
