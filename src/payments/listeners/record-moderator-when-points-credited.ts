import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { OnTransactionEvent } from '../../events/event-bus';
import { PointsCreditedEvent } from '../../events/event-map';
import { PointTransaction } from '../entities/point-transaction.entity';

/** Keeps on the purchase which moderator earned it, as the original table did. */
@Injectable()
export class RecordModeratorWhenPointsCredited {
  constructor(private readonly transactions: TransactionRunner) {}

  @OnTransactionEvent('points.credited')
  async handle(credit: PointsCreditedEvent): Promise<void> {
    await this.transactions.repository(PointTransaction).update({ id: credit.transactionId }, { moderatorId: credit.moderatorId });
  }
}
