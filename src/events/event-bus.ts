import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { TransactionRunner } from '../database/transaction';
import { IntegrationEvents, TransactionEvents } from './event-map';
import { OUTBOX_CHANNEL, OutboxRelay } from './outbox-relay';

interface PendingEvent {
  type: string;
  payload: Record<string, unknown>;
}

@Injectable()
export class EventBus {
  constructor(
    private readonly emitter: EventEmitter2,
    private readonly transactions: TransactionRunner,
    private readonly relay: OutboxRelay,
  ) {}

  /** Runs every listener of `name` inside the caller's transaction; any failure rolls it back. */
  async emitInTransaction<K extends keyof TransactionEvents>(name: K, payload: TransactionEvents[K]): Promise<void> {
    this.requireTransaction(name);
    await this.emitter.emitAsync(name, payload);
  }

  /**
   * Stores the event with the caller's change; it is published once that change has committed. The
   * NOTIFY is transactional too: PostgreSQL delivers it to every relay at commit, never on rollback,
   * so an instance that does not relay (OUTBOX_RELAY_ENABLED=false) still gets its events out at once.
   */
  publishAfterCommit<K extends keyof IntegrationEvents>(name: K, payload: IntegrationEvents[K]): Promise<void> {
    this.requireTransaction(name);
    // Written in one statement, with one NOTIFY, when the transaction is about to commit.
    const pending = this.transactions.deferUntilCommit('outbox', () => [] as PendingEvent[], (events) =>
      this.store(events),
    );
    pending.push({ type: name, payload: { ...payload } });
    return Promise.resolve();
  }

  private async store(events: PendingEvent[]): Promise<void> {
    if (events.length === 0) return;
    // The rows and the NOTIFY in one round trip (a data-modifying CTE always runs to completion).
    await this.transactions.manager.query(
      `WITH stored AS (
         INSERT INTO outbox_events (type, payload)
         SELECT type, payload FROM unnest($1::text[], $2::jsonb[]) WITH ORDINALITY AS e(type, payload, n) ORDER BY n
         RETURNING id
       )
       SELECT pg_notify($3, '') WHERE EXISTS (SELECT 1 FROM stored)`,
      [events.map((event) => event.type), events.map((event) => JSON.stringify(event.payload)), OUTBOX_CHANNEL],
    );
    this.transactions.onCommit(() => this.relay.wake());
  }

  private requireTransaction(name: string): void {
    if (!this.transactions.inTransaction) throw new Error(`event ${name} must be emitted inside a transaction`);
  }
}

/** Listens to a transaction event; errors propagate so that the transaction rolls back. */
export const OnTransactionEvent = (name: keyof TransactionEvents) => OnEvent(name, { suppressErrors: false });

/** Listens to a published integration event; errors propagate so that the relay retries it. */
export const OnIntegrationEvent = (name: keyof IntegrationEvents) => OnEvent(name, { suppressErrors: false });
