import { Injectable } from '@nestjs/common';
import { OnTransactionEvent } from '../../events/event-bus';
import { PointsCreditedBatchEvent } from '../../events/event-map';
import { PurchaseWrites } from '../purchase-writes';

/** Keeps on each purchase which moderator earned it, as the original table did. */
@Injectable()
export class RecordModeratorWhenPointsCredited {
  constructor(private readonly writes: PurchaseWrites) {}

  @OnTransactionEvent('points.credited')
  handle({ credits }: PointsCreditedBatchEvent): void {
    for (const credit of credits) this.writes.set(credit.transactionId, { moderatorId: credit.moderatorId });
  }
}
