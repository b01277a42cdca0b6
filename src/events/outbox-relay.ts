import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Client } from 'pg';
import { Env } from '../config/env.schema';
import { CLAIM_BATCH_SIZE, ClaimedEvent, OutboxRepository } from './outbox.repository';

export { CLAIM_LOCK_NAMESPACE, claimStatement } from './outbox.repository';

/** The relay's own database session: it LISTENs, and holds the advisory lock that makes its claims stand. */
interface ClaimSession {
  client: Client;
  token: number;
}

const MAX_BACKOFF_SECONDS = 300;
const RECONNECT_DELAY_MS = 1000;

/** Seconds before the next attempt of an event that failed `attempts` times: 2, 4, 8 … up to 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(Math.max(attempts, 1), 16));
}

/**
 * Publishes outbox events to in-process listeners after their transaction committed.
 *
 * - A claim is tied to the relay's own database session, not to a lease: the relay keeps a dedicated
 *   connection that holds a session-level advisory lock on a random token, and claims events under
 *   that token (FOR UPDATE SKIP LOCKED, so several instances relay side by side). While the session
 *   lives nobody else takes its events; when the process dies, PostgreSQL ends the session, the lock
 *   goes with it, and any relay — another instance, or this one restarted — takes the events on its
 *   next pass, at once. An event is never pushed twice to a user: if two relays ever publish the same
 *   event (its claimer's connection dropped mid-publish, or a claim went stale), the listeners store
 *   one notification per (event, user) and push only the one they stored.
 * - An event whose listener fails is retried with exponential backoff, never dropped.
 * - Woken right after a local commit, by PostgreSQL NOTIFY when another instance commits (so a
 *   web-only instance's events are relayed at once elsewhere), and by polling as the safety net —
 *   which also publishes, after a restart, what a killed process committed but never relayed.
 * - Without its session (connection lost) the relay claims nothing and reconnects every second;
 *   its claims are then free for the other instances.
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
  private session?: ClaimSession;
  private connecting?: Client;
  private waitingForSession: Array<(session: ClaimSession | undefined) => void> = [];

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly emitter: EventEmitter2,
    private readonly env: Env,
  ) {
    this.enabled = this.env.OUTBOX_RELAY_ENABLED;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.log('Outbox relay disabled on this instance (OUTBOX_RELAY_ENABLED=false): another instance must relay');
      return;
    }
    const interval = this.env.OUTBOX_POLL_INTERVAL_MS;
    this.timer = setInterval(() => this.wake(), interval);
    this.timer.unref();
    void this.connect();
    this.wake();
  }

  /**
   * Before the connection pool closes (onApplicationShutdown): claims nothing more, finishes the
   * batch in flight, frees what it still holds for the other instances, then ends its session.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.settleWaiters(undefined);
    await this.draining;
    const session = this.session;
    this.session = undefined;
    await this.connecting?.end().catch(() => undefined);
    if (!session) return;
    await this.outbox
      .releaseClaims(session.token)
      .catch((error: Error) => this.logger.warn(`outbox claims not released (${error.message}); they are free once the session ends`));
    await session.client.end().catch(() => undefined);
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

  /**
   * Publishes everything committed before the call, then resolves: what this call claims, and what a
   * drain already running (woken by NOTIFY or the poll) claimed first, which a plain drain() would
   * find nothing of and return before it is published.
   */
  async drainNow(): Promise<void> {
    await this.running();
    await this.drain();
    await this.running();
  }

  /** Resolves once no drain of this relay runs, including any a finished one started again. */
  private async running(): Promise<void> {
    for (let current = this.draining; current; current = this.draining) await current;
  }

  /**
   * Publishes everything that is due; resolves when nothing is left to claim (events another drain
   * of this relay holds may still be in flight: drainNow waits for those too).
   * Waits for the relay's session first: without it a claim would not stand.
   */
  async drain(): Promise<void> {
    if (!this.enabled) return;
    for (;;) {
      const session = await this.currentSession();
      if (!session || !this.outbox.isOpen) return;
      const batch = await this.outbox.claim(session.token, CLAIM_BATCH_SIZE);
      // A claimed batch is finished even when stopping: shutdown waits for it, then frees the rest.
      // Handed to the listeners all at once, in order: what they store together is stored in that
      // order (see NotificationsService.record), and each event still succeeds or fails alone.
      const outcomes = await Promise.all(batch.map((event) => this.publish(event)));
      const published = batch.filter((_, i) => outcomes[i]).map((event) => event.id);
      // One statement for the batch: if the process dies before it, the batch is published again
      // by the next relay, which listeners absorb (they are idempotent by event id).
      await this.outbox.markPublished(published);
      if (batch.length < CLAIM_BATCH_SIZE || this.stopped) return;
    }
  }

  /** Hands the event to its listeners; false (and a retry scheduled) when one of them failed. */
  private async publish(event: ClaimedEvent): Promise<boolean> {
    try {
      await this.emitter.emitAsync(event.type, { ...event.payload, eventId: event.event_id });
      return true;
    } catch (error) {
      const delay = retryDelaySeconds(event.attempts);
      this.logger.warn(`outbox event ${event.id} (${event.type}) failed, retry in ${delay}s: ${(error as Error).message}`);
      await this.outbox.retryLater(event.id, delay, String((error as Error).message));
      return false;
    }
  }

  private currentSession(): Promise<ClaimSession | undefined> {
    if (this.session || this.stopped) return Promise.resolve(this.session);
    return new Promise((resolve) => this.waitingForSession.push(resolve));
  }

  private settleWaiters(session: ClaimSession | undefined): void {
    const waiting = this.waitingForSession;
    this.waitingForSession = [];
    for (const resolve of waiting) resolve(session);
  }

  /**
   * Opens the relay's session: a dedicated connection that takes its advisory lock on a fresh random
   * token and LISTENs for committed outbox writes (OutboxRepository.openSession). Losing it stops
   * this relay's claims (the others take over its events); failures are logged and the connection
   * is retried.
   */
  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = this.outbox.sessionClient();
    this.connecting = client;
    let lost = false;
    const reconnect = (reason: string) => {
      if (lost) return;
      lost = true;
      if (this.session?.client === client) this.session = undefined;
      if (this.connecting === client) this.connecting = undefined;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(`outbox relay session lost (${reason}); its claims are free for the other instances; reconnecting`);
      setTimeout(() => void this.connect(), RECONNECT_DELAY_MS).unref();
    };
    client.on('notification', () => this.wake());
    client.on('error', (error: Error) => reconnect(error.message));
    client.on('end', () => reconnect('closed'));
    try {
      const token = await this.outbox.openSession(client);
      this.connecting = undefined;
      if (this.stopped) {
        lost = true;
        await client.end();
        return;
      }
      this.session = { client, token };
      this.logger.log(`outbox relay session ${token} open`);
      this.settleWaiters(this.session);
      // Whatever was committed while not listening, and whatever a dead relay left claimed.
      this.wake();
    } catch (error) {
      reconnect((error as Error).message);
    }
  }
}
