import { Injectable } from '@nestjs/common';
import { OnTransactionEvent } from '../../events/event-bus';
import { PointsReleasingEvent } from '../../events/event-map';
import { PurchasesRepository } from '../purchases.repository';

/**
 * Locks the purchases whose held points an assignment is releasing, without waiting: the assignment
 * already holds their conversation, and a refund or a batch that holds one of them may be waiting for
 * that conversation. A busy purchase fails the assignment's transaction with lock_not_available
 * (55P03), the other side goes on, and the assignment is retried (see ARCHITECTURE.md, lock order).
 */
@Injectable()
export class LockPurchasesWhenPointsReleasing {
  constructor(private readonly purchases: PurchasesRepository) {}

  @OnTransactionEvent('points.releasing')
  handle({ transactionIds }: PointsReleasingEvent): Promise<void> {
    return this.purchases.lockForRelease(transactionIds);
  }
}
