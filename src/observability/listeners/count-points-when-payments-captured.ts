import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { OnTransactionEvent } from '../../events/event-bus';
import { PaymentsCapturedEvent } from '../../events/event-map';
import { MetricsService } from '../metrics.service';

/**
 * `points_credited_total`: a captured payment is credited in the transaction that captures it (a
 * purchase moves to completed once), so its points are counted when that transaction commits, on
 * the instance that did the work; a batch that rolls back (and is retried) counts nothing.
 */
@Injectable()
export class CountPointsWhenPaymentsCaptured {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly metrics: MetricsService,
  ) {}

  @OnTransactionEvent('payments.captured')
  handle({ payments }: PaymentsCapturedEvent): void {
    const points = payments.reduce((sum, payment) => sum + payment.points, 0);
    this.transactions.onCommit(() => this.metrics.countCredited(points));
  }
}
