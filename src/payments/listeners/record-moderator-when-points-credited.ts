import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { OnTransactionEvent } from '../../events/event-bus';
import { PointsCreditedBatchEvent } from '../../events/event-map';

/** Keeps on each purchase which moderator earned it, as the original table did (one statement). */
@Injectable()
export class RecordModeratorWhenPointsCredited {
  constructor(private readonly transactions: TransactionRunner) {}

  @OnTransactionEvent('points.credited')
  async handle({ credits }: PointsCreditedBatchEvent): Promise<void> {
    if (credits.length === 0) return;
    await this.transactions.manager.query(
      `UPDATE profile_point_transactions t SET moderator_id = x.moderator_id, updated_at = now()
         FROM unnest($1::bigint[], $2::bigint[]) AS x(id, moderator_id)
        WHERE t.id = x.id`,
      [credits.map((credit) => credit.transactionId), credits.map((credit) => credit.moderatorId)],
    );
  }
}
