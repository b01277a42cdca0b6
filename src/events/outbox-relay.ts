import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Env } from '../config/env.schema';

interface ClaimedEvent {
  id: string;
  event_id: string;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
}

const BATCH_SIZE = 100;
/** A claimed event that is neither published nor released within this lease is picked up again. */
const LEASE_SECONDS = 30;
const MAX_BACKOFF_SECONDS = 300;

/**
 * Publishes outbox events to in-process listeners after their transaction committed. Claims take a
 * lease with FOR UPDATE SKIP LOCKED, so several instances relay side by side without publishing an
 * event twice while its lease runs; an instance that dies mid-publish leaves the lease to expire.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly emitter: EventEmitter2,
    private readonly config: ConfigService<Env, true>,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.get('OUTBOX_POLL_INTERVAL_MS', { infer: true });
    this.timer = setInterval(() => this.wake(), interval);
    this.timer.unref();
    this.wake();
  }

  /** Before the connection pool closes (onApplicationShutdown), so an in-flight drain can finish. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining;
  }

  /** Asks for a drain soon; calls while one runs coalesce into one more pass. */
  wake(): void {
    if (this.stopped) return;
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
    for (;;) {
      if (!this.dataSource.isInitialized) return;
      const batch = await this.claim();
      for (const event of batch) await this.publish(event);
      if (batch.length < BATCH_SIZE) return;
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
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  private async publish(event: ClaimedEvent): Promise<void> {
    try {
      await this.emitter.emitAsync(event.type, { ...event.payload, eventId: event.event_id });
      await this.dataSource.query(`UPDATE outbox_events SET published_at = now(), last_error = NULL WHERE id = $1`, [
        event.id,
      ]);
    } catch (error) {
      const delay = Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(event.attempts, 16));
      this.logger.warn(`outbox event ${event.id} (${event.type}) failed, retry in ${delay}s: ${(error as Error).message}`);
      await this.dataSource.query(
        `UPDATE outbox_events SET available_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
        [event.id, delay, String((error as Error).message).slice(0, 2000)],
      );
    }
  }
}
