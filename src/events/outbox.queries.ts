import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';

/** Events stored but not yet published. */
export interface OutboxBacklog {
  pending: number;
  /** 0 when nothing is pending. */
  oldestAgeSeconds: number;
}

/** Read-only figures of the outbox for the metrics. */
@Injectable()
export class OutboxQueries {
  constructor(private readonly transactions: TransactionRunner) {}

  /** Reads the partial index `ix_outbox_events_unpublished … WHERE published_at IS NULL`: its cost follows the backlog. */
  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.transactions.manager.query<Array<{ pending: number; oldest_age: number | null }>>(
      `SELECT count(*)::int AS pending,
              extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest_age
         FROM outbox_events
        WHERE published_at IS NULL`,
    );
    return { pending: row.pending, oldestAgeSeconds: Math.max(0, row.oldest_age ?? 0) };
  }
}
