import { Injectable, Logger } from '@nestjs/common';
import { EventBus, OnTransactionEvent } from '../../events/event-bus';
import { PaymentRestoredEvent, PaymentReversedEvent } from '../../events/event-map';
import { EarningsMoney } from '../earnings-money';
import { TransferKind } from '../transfer-kind';
import { LotsService } from '../lots/lots.service';
import { PurchaseBalances } from '../purchase-balances';

/**
 * Takes back the points of a refunded or disputed purchase from the client's balance for the
 * profile and from whoever earned them. The points come out of the purchase's own lot first, then
 * the client's other unspent points for the profile; what was already spent leaves the balance
 * negative, visible, and is said in the event.
 */
@Injectable()
export class ReversePointsWhenPaymentReversed {
  private readonly logger = new Logger(ReversePointsWhenPaymentReversed.name);

  constructor(
    private readonly balances: PurchaseBalances,
    private readonly lots: LotsService,
    private readonly money: EarningsMoney,
    private readonly events: EventBus,
  ) {}

  @OnTransactionEvent('payment.reversed')
  async handle(reversal: PaymentReversedEvent): Promise<void> {
    const [moved] = await this.balances.moveAll(
      [
        {
          ...reversal,
          direction: 'out',
          client: { key: `${reversal.reversalKey}:client`, kind: TransferKind.Reversal },
          earnings: { key: `${reversal.reversalKey}:earnings`, kind: TransferKind.Reversal },
          money: await this.money.change(reversal.transactionId, reversal.netPaidCents, 'out'),
        },
      ],
      { moderators: 'by_caller' },
    );
    // No point taken back (a refund of a few cents): the earner's money moved, nothing else did.
    if (!moved || reversal.points === 0) return;
    const lots = await this.lots.takeBack({
      transactionId: reversal.transactionId,
      interactionId: moved.interactionId,
      points: reversal.points,
      key: reversal.reversalKey,
    });
    if (lots.unrecovered > 0) {
      this.logger.warn(
        `${reversal.reason} of transaction ${reversal.transactionId}: ${lots.unrecovered} of ${reversal.points} points were already spent; ` +
          `the client's balance for profile ${reversal.profileId} is now negative`,
      );
    }
    await this.events.emitInTransaction('balances.changed', {
      changes: [
        {
          type: 'purchase.reversed',
          clientId: reversal.clientId,
          profileId: reversal.profileId,
          occurredAt: reversal.occurredAt,
          transactionId: reversal.transactionId,
          points: reversal.points,
          reason: reversal.reason,
        },
      ],
    });
    if (!moved.moderatorId) return;
    // After the lots, last in the lock order; the alert tells the moderator their new balance.
    const moderatorBalance = await this.balances.settleModerator(moved.moderatorId, -reversal.points);
    await this.events.publishAfterCommit('points.reversed', {
      transactionId: reversal.transactionId,
      clientId: reversal.clientId,
      profileId: reversal.profileId,
      moderatorId: moved.moderatorId,
      points: reversal.points,
      reason: reversal.reason,
      moderatorBalance,
      alreadySpent: lots.alreadySpent,
      unrecovered: lots.unrecovered,
      reversedAt: reversal.occurredAt,
    });
  }
}

/**
 * Gives back what a dispute reversed once the dispute is won, to the lots it was taken from, and to
 * whoever earned the purchase. A purchase whose points were held goes to the conversation's
 * moderator if one was assigned meanwhile (the assignment found nothing to release while the
 * dispute held the points), and is attributed to that moderator from now on.
 */
@Injectable()
export class RestorePointsWhenPaymentRestored {
  constructor(
    private readonly balances: PurchaseBalances,
    private readonly lots: LotsService,
    private readonly money: EarningsMoney,
    private readonly events: EventBus,
  ) {}

  @OnTransactionEvent('payment.restored')
  async handle(restore: PaymentRestoredEvent): Promise<void> {
    const [moved] = await this.balances.moveAll([
      {
        ...restore,
        // Undefined: the conversation's moderator now, or its hold if it still has none. Money
        // without points goes back where it came from: the purchase's moderator, or the hold.
        moderatorId: restore.points === 0 ? restore.moderatorId : (restore.moderatorId ?? undefined),
        direction: 'in',
        client: { key: `${restore.restoreKey}:client`, kind: TransferKind.Restore },
        earnings: { key: `${restore.restoreKey}:earnings`, kind: TransferKind.Restore },
        money: await this.money.change(restore.transactionId, restore.netPaidCents, 'in'),
      },
    ]);
    if (!moved || restore.points === 0) return;
    await this.lots.giveBack(
      { transactionId: restore.transactionId, interactionId: moved.interactionId, points: restore.points, key: restore.restoreKey, reversalKey: restore.reversalKey },
      moved.clientBalanceBefore,
    );
    await this.events.emitInTransaction('balances.changed', {
      changes: [
        {
          type: 'purchase.restored',
          clientId: restore.clientId,
          profileId: restore.profileId,
          occurredAt: restore.occurredAt,
          transactionId: restore.transactionId,
          points: restore.points,
        },
      ],
    });
    if (!moved.moderatorId) return;
    if (restore.moderatorId === null) {
      const credit = { transactionId: restore.transactionId, interactionId: moved.interactionId, moderatorId: moved.moderatorId, points: restore.points };
      await this.events.emitInTransaction('points.credited', { credits: [credit] });
      await this.lots.attribute([restore.transactionId], moved.moderatorId);
    }
    await this.events.publishAfterCommit('points.restored', {
      transactionId: restore.transactionId,
      clientId: restore.clientId,
      profileId: restore.profileId,
      moderatorId: moved.moderatorId,
      points: restore.points,
      restoredAt: restore.occurredAt,
    });
  }
}
