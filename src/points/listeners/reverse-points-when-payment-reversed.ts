import { Injectable } from '@nestjs/common';
import { EventBus, OnTransactionEvent } from '../../events/event-bus';
import { PaymentRestoredEvent, PaymentReversedEvent } from '../../events/event-map';
import { TransferKind } from '../entities/ledger-transfer.entity';
import { PurchaseBalances } from '../purchase-balances';

/**
 * Takes back the points of a refunded or disputed purchase from the client's balance for the
 * profile and from whoever earned them. A balance already spent goes negative and stays visible.
 */
@Injectable()
export class ReversePointsWhenPaymentReversed {
  constructor(
    private readonly balances: PurchaseBalances,
    private readonly events: EventBus,
  ) {}

  @OnTransactionEvent('payment.reversed')
  async handle(reversal: PaymentReversedEvent): Promise<void> {
    const moved = await this.balances.move({
      ...reversal,
      direction: 'out',
      needsModeratorBalance: true,
      client: { key: `${reversal.reversalKey}:client`, kind: TransferKind.Reversal },
      earnings: { key: `${reversal.reversalKey}:earnings`, kind: TransferKind.Reversal },
    });
    if (!moved?.moderatorId) return;
    await this.events.publishAfterCommit('points.reversed', {
      transactionId: reversal.transactionId,
      clientId: reversal.clientId,
      profileId: reversal.profileId,
      moderatorId: moved.moderatorId,
      points: reversal.points,
      reason: reversal.reason,
      moderatorBalance: moved.moderatorBalance!,
      reversedAt: reversal.occurredAt,
    });
  }
}

/** Gives back what a dispute reversed once the dispute is won. */
@Injectable()
export class RestorePointsWhenPaymentRestored {
  constructor(
    private readonly balances: PurchaseBalances,
    private readonly events: EventBus,
  ) {}

  @OnTransactionEvent('payment.restored')
  async handle(restore: PaymentRestoredEvent): Promise<void> {
    const moved = await this.balances.move({
      ...restore,
      direction: 'in',
      client: { key: `${restore.restoreKey}:client`, kind: TransferKind.Restore },
      earnings: { key: `${restore.restoreKey}:earnings`, kind: TransferKind.Restore },
    });
    if (!moved?.moderatorId) return;
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
