import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { TransactionRunner } from '../database/transaction';
import { IntegrationEvents, TransactionEvents } from './event-map';
import { OutboxRelay } from './outbox-relay';
import { NewOutboxEvent, OutboxRepository } from './outbox.repository';

@Injectable()
export class EventBus {
  constructor(
    private readonly emitter: EventEmitter2,
    private readonly transactions: TransactionRunner,
    private readonly relay: OutboxRelay,
    private readonly outbox: OutboxRepository,
  ) {}

  /**
   * Runs every listener of `name` inside the caller's transaction, one after the other in the order
   * they were registered (not all at once, as EventEmitter2's emitAsync would: two listeners started
   * together would take their locks in no set order); any failure stops there and rolls it back.
   */
  async emitInTransaction<K extends keyof TransactionEvents>(name: K, payload: TransactionEvents[K]): Promise<void> {
    this.requireTransaction(name);
    // A listener returns its work's promise (OnTransactionEvent listeners are async methods), or nothing.
    for (const listener of this.emitter.listeners(name)) await (listener(payload) as unknown as Promise<void> | void);
  }

  /**
   * Stores the event with the caller's change; it is published once that change has committed. The
   * NOTIFY is transactional too: PostgreSQL delivers it to every relay at commit, never on rollback,
   * so an instance that does not relay (OUTBOX_RELAY_ENABLED=false) still gets its events out at once.
   */
  publishAfterCommit<K extends keyof IntegrationEvents>(name: K, payload: IntegrationEvents[K]): Promise<void> {
    this.requireTransaction(name);
    // Written in one statement, with one NOTIFY, when the transaction is about to commit.
    const pending = this.transactions.deferUntilCommit({ phase: 'records', name: 'events.outbox', init: () => [] as NewOutboxEvent[], flush: (events) => this.store(events) });
    pending.push({ type: name, payload: { ...payload } });
    return Promise.resolve();
  }

  private async store(events: NewOutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.outbox.store(events);
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
