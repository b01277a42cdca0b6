import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { OnTransactionEvent } from '../../events/event-bus';
import { PointsReleasingEvent } from '../../events/event-map';

/**
 * Locks the purchases whose held points an assignment is releasing, without waiting: the assignment
 * already holds their conversation, and a refund or a batch that holds one of them may be waiting for
 * that conversation. A busy purchase fails the assignment's transaction with lock_not_available
 * (55P03), the other side goes on, and the assignment is retried (see ARCHITECTURE.md, lock order).
 * FOR NO KEY UPDATE is what the moderator write at commit needs (PurchaseWrites).
 */
@Injectable()
export class LockPurchasesWhenPointsReleasing {
  constructor(private readonly transactions: TransactionRunner) {}

  @OnTransactionEvent('points.releasing')
  async handle({ transactionIds }: PointsReleasingEvent): Promise<void> {
    if (transactionIds.length === 0) return;
    await this.transactions.manager.query(
      `SELECT id FROM profile_point_transactions WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE NOWAIT`,
      [transactionIds],
    );
  }
}
