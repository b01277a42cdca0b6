import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { OnTransactionEvent } from '../../events/event-bus';
import { PointsSpentEvent } from '../../events/event-map';
import { MetricsService } from '../metrics.service';

/**
 * `points_spent_total`: a spend is counted when its transaction commits, on the instance that did
 * it; a replayed idempotency key spends nothing and emits nothing, and a rollback counts nothing.
 */
@Injectable()
export class CountPointsWhenSpent {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly metrics: MetricsService,
  ) {}

  @OnTransactionEvent('points.spent')
  handle({ points }: PointsSpentEvent): void {
    this.transactions.onCommit(() => this.metrics.countSpent(points));
  }
}
