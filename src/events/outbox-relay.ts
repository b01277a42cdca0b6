import { randomInt } from 'node:crypto';
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

/** The relay's own database session: it LISTENs, and holds the advisory lock that makes its claims stand. */
interface ClaimSession {
  client: Client;
  token: number;
}

/** The PostgreSQL channel on which a committed outbox write wakes every relay (see EventBus). */
export const OUTBOX_CHANNEL = 'outbox_events';

/**
 * First key of the relays' advisory locks, pg_advisory_lock(CLAIM_LOCK_NAMESPACE, token): fixed so
 * that pg_locks tells relay sessions apart from any other advisory lock (the migration lock uses the
 * one-key form).
 */
export const CLAIM_LOCK_NAMESPACE = 0x6f75_7462;

const BATCH_SIZE = 100;
/**
 * A live relay that has not finished an event within this time (a listener that hangs) loses it to
 * another relay. Not the crash path: a dead relay's claims are free as soon as its session ends.
 */
const STALE_CLAIM_SECONDS = 300;
const MAX_BACKOFF_SECONDS = 300;
const RECONNECT_DELAY_MS = 1000;
/**
 * Server-side keepalives of the relay's session: if its host vanishes without closing the
 * connection (power loss, partition), PostgreSQL ends the session, and frees its claims, within
 * about idle + interval × count seconds instead of the system's two hours.
 */
const KEEPALIVE = { idle: 5, interval: 2, count: 3 };

/** Seconds before the next attempt of an event that failed `attempts` times: 2, 4, 8 … up to 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(Math.max(attempts, 1), 16));
}

/**
 * The statement (and its parameters) that claims up to `limit` due events for the relay session
 * holding `token`, in id order. An event is due when it is free and its retry time has come, or
 * when its claimer's session is gone (that relay died: the event is taken at once), or when its
 * claimer has held it for STALE_CLAIM_SECONDS. The live claimers are the relay sessions holding an
 * advisory lock in this database right now; the hashed subplan over pg_locks is only evaluated when
 * a claimed event is met.
 */
export function claimStatement(token: number, limit = BATCH_SIZE): [string, unknown[]] {
  return [
    `UPDATE outbox_events o
        SET attempts = o.attempts + 1,
            claimed_by = $2,
            available_at = now() + make_interval(secs => $3)
      WHERE o.id IN (
              SELECT e.id FROM outbox_events e
               WHERE e.published_at IS NULL
                 AND (e.available_at <= now()
                      OR e.claimed_by NOT IN (SELECT l.objid::bigint
                                                FROM pg_locks l
                                               WHERE l.locktype = 'advisory' AND l.classid = $4 AND l.objsubid = 2
                                                 AND l.granted
                                                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())))
               ORDER BY e.id
               LIMIT $1
                 FOR UPDATE SKIP LOCKED)
     RETURNING o.id, o.event_id, o.type, o.payload, o.attempts`,
    [limit, token, STALE_CLAIM_SECONDS, CLAIM_LOCK_NAMESPACE],
  ];
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
    await this.dataSource
      .query(`UPDATE outbox_events SET claimed_by = NULL, available_at = now() WHERE claimed_by = $1 AND published_at IS NULL`, [session.token])
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
   * Publishes everything that is due; resolves when nothing is left (used by tests and shutdown).
   * Waits for the relay's session first: without it a claim would not stand.
   */
  async drain(): Promise<void> {
    if (!this.enabled) return;
    for (;;) {
      const session = await this.currentSession();
      if (!session || !this.dataSource.isInitialized) return;
      const batch = await this.claim(session.token);
      // A claimed batch is finished even when stopping: shutdown waits for it, then frees the rest.
      // Handed to the listeners all at once, in order: what they store together is stored in that
      // order (see NotificationsService.record), and each event still succeeds or fails alone.
      const outcomes = await Promise.all(batch.map((event) => this.publish(event)));
      const published = batch.filter((_, i) => outcomes[i]).map((event) => event.id);
      // One statement for the batch: if the process dies before it, the batch is published again
      // by the next relay, which listeners absorb (they are idempotent by event id).
      if (published.length > 0) {
        await this.dataSource.query(`UPDATE outbox_events SET published_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])`, [
          published,
        ]);
      }
      if (batch.length < BATCH_SIZE || this.stopped) return;
    }
  }

  private async claim(token: number): Promise<ClaimedEvent[]> {
    const [rows] = await this.dataSource.query<[ClaimedEvent[], number]>(...claimStatement(token));
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
        `UPDATE outbox_events SET claimed_by = NULL, available_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
        [event.id, delay, String((error as Error).message).slice(0, 2000)],
      );
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
   * token and LISTENs on OUTBOX_CHANNEL. Losing it stops this relay's claims (the others take over
   * its events); failures are logged and the connection is retried.
   */
  private async connect(): Promise<void> {
    if (this.stopped) return;
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new Client({ connectionString: url, application_name: 'profile-points-outbox-relay', keepAlive: true });
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
      await client.connect();
      await client.query(
        `SELECT set_config('tcp_keepalives_idle', $1, false), set_config('tcp_keepalives_interval', $2, false), set_config('tcp_keepalives_count', $3, false)`,
        [String(KEEPALIVE.idle), String(KEEPALIVE.interval), String(KEEPALIVE.count)],
      );
      const token = await this.lockFreshToken(client);
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
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

  /** A random positive token that no other live relay session holds, locked by this session. */
  private async lockFreshToken(client: Client): Promise<number> {
    for (;;) {
      const token = randomInt(1, 2 ** 31 - 1);
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [CLAIM_LOCK_NAMESPACE, token]);
      if (rows[0].locked) return token;
    }
  }
}
