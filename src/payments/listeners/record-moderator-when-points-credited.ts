import { Injectable } from '@nestjs/common';
import { OnTransactionEvent } from '../../events/event-bus';
import { PointsCreditedBatchEvent } from '../../events/event-map';
import { PurchasesRepository } from '../purchases.repository';

/**
 * Keeps on each purchase which moderator earned it, as the original table did. Staged with the
 * purchase's other changes of the transaction: a purchase credited and attributed together is
 * rewritten once, just before commit.
 */
@Injectable()
export class RecordModeratorWhenPointsCredited {
  constructor(private readonly purchases: PurchasesRepository) {}

  @OnTransactionEvent('points.credited')
  handle({ credits }: PointsCreditedBatchEvent): void {
    for (const credit of credits) this.purchases.stageColumns(credit.transactionId, { moderatorId: credit.moderatorId });
  }
}
