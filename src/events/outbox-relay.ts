import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Env } from '../config/env.schema';

interface ClaimedEvent {
  id: string;
  event_id: string;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/** The PostgreSQL channel on which a committed outbox write wakes every relay (see EventBus). */
export const OUTBOX_CHANNEL = 'outbox_events';

const BATCH_SIZE = 100;
/** A claimed event that is neither published nor released within this lease is picked up again. */
const LEASE_SECONDS = 30;
const MAX_BACKOFF_SECONDS = 300;
const RELISTEN_DELAY_MS = 1000;

/** Seconds before the next attempt of an event that failed `attempts` times: 2, 4, 8 … up to 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(Math.max(attempts, 1), 16));
}

/**
 * Publishes outbox events to in-process listeners after their transaction committed.
 *
 * - Claims take a lease with FOR UPDATE SKIP LOCKED, so several instances relay side by side without
 *   publishing an event twice while its lease runs; an instance that dies mid-publish leaves the lease
 *   to expire and another one publishes it (at least once: listeners are idempotent by event id).
 * - An event whose listener fails is retried with exponential backoff, never dropped.
 * - Woken right after a local commit, by PostgreSQL NOTIFY when another instance commits (so a
 *   web-only instance's events are relayed at once elsewhere), and by polling as the safety net —
 *   which also publishes, after a restart, what a killed process committed but never relayed.
 * - OUTBOX_RELAY_ENABLED=false turns all of this off on one instance (web-only instances); events
 *   are still written to the outbox there and another instance relays them.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly enabled: boolean;
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  private listener?: Client;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly emitter: EventEmitter2,
    private readonly config: ConfigService<Env, true>,
  ) {
    this.enabled = this.config.get('OUTBOX_RELAY_ENABLED', { infer: true });
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.log('Outbox relay disabled on this instance (OUTBOX_RELAY_ENABLED=false): another instance must relay');
      return;
    }
    const interval = this.config.get('OUTBOX_POLL_INTERVAL_MS', { infer: true });
    this.timer = setInterval(() => this.wake(), interval);
    this.timer.unref();
    void this.listen();
    this.wake();
  }

  /** Before the connection pool closes (onApplicationShutdown), so an in-flight drain can finish. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.draining;
  }

  /** Asks for a drain soon; calls while one runs coalesce into one more pass. */
  wake(): void {
    if (this.stopped || !this.enabled) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: Error) => this.logger.error(`outbox drain failed: ${error.message}`, error.stack))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Publishes everything that is due; resolves when nothing is left (used by tests and shutdown). */
  async drain(): Promise<void> {
    if (!this.enabled) return;
    for (;;) {
      if (!this.dataSource.isInitialized) return;
      const batch = await this.claim();
      // A claimed batch is finished even when stopping: its lease would otherwise delay it by 30 s.
      // Handed to the listeners all at once, in order: what they store together is stored in that
      // order (see NotificationsService.record), and each event still succeeds or fails alone.
      const outcomes = await Promise.all(batch.map((event) => this.publish(event)));
      const published = batch.filter((_, i) => outcomes[i]).map((event) => event.id);
      // One statement for the batch: if the process dies before it, the batch is published again
      // after its lease, which listeners absorb (they are idempotent by event id).
      if (published.length > 0) {
        await this.dataSource.query(`UPDATE outbox_events SET published_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])`, [
          published,
        ]);
      }
      if (batch.length < BATCH_SIZE || this.stopped) return;
    }
  }

  private async claim(): Promise<ClaimedEvent[]> {
    const [rows] = await this.dataSource.query<[ClaimedEvent[], number]>(
      `UPDATE outbox_events o
          SET attempts = o.attempts + 1,
              available_at = now() + make_interval(secs => $2)
        WHERE o.id IN (SELECT id FROM outbox_events
                        WHERE published_at IS NULL AND available_at <= now()
                        ORDER BY id
                        LIMIT $1
                        FOR UPDATE SKIP LOCKED)
    RETURNING o.id, o.event_id, o.type, o.payload, o.attempts`,
      [BATCH_SIZE, LEASE_SECONDS],
    );
    return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** Hands the event to its listeners; false (and a retry scheduled) when one of them failed. */
  private async publish(event: ClaimedEvent): Promise<boolean> {
    try {
      await this.emitter.emitAsync(event.type, { ...event.payload, eventId: event.event_id });
      return true;
    } catch (error) {
      const delay = retryDelaySeconds(event.attempts);
      this.logger.warn(`outbox event ${event.id} (${event.type}) failed, retry in ${delay}s: ${(error as Error).message}`);
      await this.dataSource.query(
        `UPDATE outbox_events SET available_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
        [event.id, delay, String((error as Error).message).slice(0, 2000)],
      );
      return false;
    }
  }

  /**
   * A dedicated connection that LISTENs on OUTBOX_CHANNEL. Losing it only costs latency (polling
   * still runs), so failures are logged and the connection is retried.
   */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new Client({ connectionString: url, application_name: 'profile-points-outbox-listener' });
    let retried = false;
    const retry = (reason: string) => {
      if (retried) return;
      retried = true;
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(`outbox LISTEN connection lost (${reason}); polling meanwhile, reconnecting`);
      setTimeout(() => void this.listen(), RELISTEN_DELAY_MS).unref();
    };
    client.on('notification', () => this.wake());
    client.on('error', (error: Error) => retry(error.message));
    client.on('end', () => retry('closed'));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      if (this.stopped) {
        retried = true;
        await client.end();
        return;
      }
      this.listener = client;
      // Whatever was committed while not listening.
      this.wake();
    } catch (error) {
      retry((error as Error).message);
    }
  }
}
