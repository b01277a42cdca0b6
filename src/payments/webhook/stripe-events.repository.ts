import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';

/** What is recorded of a Stripe event before its effect: its id, type and Stripe's creation time (Unix seconds). */
export interface StripeEventKey {
  id: string;
  type: string;
  created: number;
}

export interface StripeEventOutcome {
  id: string;
  outcome: string;
  transactionId: string | null;
}

/**
 * Every statement on `stripe_events`. An event's id is inserted under its primary key in the same
 * transaction as its effect: that key, not a status check, is what makes each event act once.
 */
@Injectable()
export class StripeEventsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * Inserts the events' ids as `processing` (in id order, so concurrent transactions never wait on
   * each other in a cycle) and tells, per event, whether it is new. A repeated id in the same call
   * is new only once, the first time.
   */
  async recordNew(events: readonly StripeEventKey[]): Promise<boolean[]> {
    const unique = [...new Map(events.map((event) => [event.id, event])).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rows = await this.transactions.manager.query<Array<{ id: string }>>(
      `INSERT INTO stripe_events (id, type, stripe_created_at, outcome)
       SELECT id, type, to_timestamp(created), 'processing'
         FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS e(id, type, created, n)
        ORDER BY n
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [unique.map((event) => event.id), unique.map((event) => event.type), unique.map((event) => event.created)],
    );
    const inserted = new Set(rows.map((row) => row.id));
    return events.map((event) => inserted.delete(event.id));
  }

  /**
   * Records an event that can never be applied, with the outcome `malformed`, under `key`; `created`
   * may be unknown (then now). False when that key was recorded before.
   */
  async recordMalformed(key: string, type: string, created: number | null): Promise<boolean> {
    const rows = await this.transactions.manager.query<Array<{ id: string }>>(
      `INSERT INTO stripe_events (id, type, stripe_created_at, outcome)
       VALUES ($1, $2, coalesce(to_timestamp($3::bigint), now()), 'malformed')
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [key, type, created],
    );
    return rows.length > 0;
  }

  /**
   * Removes up to `limit` of the ids processed before `cutoff`, oldest first, in one statement (a
   * short transaction of its own when no transaction is open): rows another session holds are
   * skipped, never waited for. Returns how many were removed.
   */
  async removeProcessedBefore(cutoff: Date, limit: number): Promise<number> {
    const [, removed] = await this.transactions.manager.query<[unknown[], number]>(
      `DELETE FROM stripe_events
        WHERE id IN (SELECT s.id FROM stripe_events s
                      WHERE s.processed_at < $1
                      ORDER BY s.processed_at
                      LIMIT $2
                        FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
    return removed;
  }

  /** When the oldest id still kept was processed; null when none is (ix_stripe_events_processed). */
  async oldestProcessed(): Promise<Date | null> {
    const [row] = await this.transactions.manager.query<Array<{ oldest: Date | null }>>(`SELECT min(processed_at) AS oldest FROM stripe_events`);
    return row.oldest;
  }

  /** The outcome of each event and the purchase it concerned, in one statement. */
  async saveOutcomes(outcomes: readonly StripeEventOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.transactions.manager.query(
      `UPDATE stripe_events s SET outcome = x.outcome, transaction_id = x.transaction_id
         FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(id, outcome, transaction_id)
        WHERE s.id = x.id`,
      [outcomes.map((row) => row.id), outcomes.map((row) => row.outcome), outcomes.map((row) => row.transactionId)],
    );
  }
}
