import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../database/transaction';

/** An event as the relay hands it to its listeners. */
export interface ClaimedEvent {
  id: string;
  event_id: string;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/** An event to store with the caller's change. */
export interface NewOutboxEvent {
  type: string;
  payload: Record<string, unknown>;
}

/** The PostgreSQL channel on which a committed outbox write wakes every relay. */
export const OUTBOX_CHANNEL = 'outbox_events';

/**
 * First key of the relays' advisory locks, pg_advisory_lock(CLAIM_LOCK_NAMESPACE, token): fixed so
 * that pg_locks tells relay sessions apart from any other advisory lock (the migration lock uses the
 * one-key form).
 */
export const CLAIM_LOCK_NAMESPACE = 0x6f75_7462;

/** How many events one claim takes at most. */
export const CLAIM_BATCH_SIZE = 100;

/**
 * A live relay that has not finished an event within this time (a listener that hangs) loses it to
 * another relay. Not the crash path: a dead relay's claims are free as soon as its session ends.
 */
const STALE_CLAIM_SECONDS = 300;

/**
 * Server-side keepalives of the relay's session: if its host vanishes without closing the
 * connection (power loss, partition), PostgreSQL ends the session, and frees its claims, within
 * about idle + interval × count seconds instead of the system's two hours.
 */
const KEEPALIVE = { idle: 5, interval: 2, count: 3 };

/**
 * The statement (and its parameters) that claims up to `limit` due events for the relay session
 * holding `token`, in id order. An event is due when it is free and its retry time has come, or
 * when its claimer's session is gone (that relay died: the event is taken at once), or when its
 * claimer has held it for STALE_CLAIM_SECONDS. The live claimers are the relay sessions holding an
 * advisory lock in this database right now; the hashed subplan over pg_locks is only evaluated when
 * a claimed event is met.
 */
export function claimStatement(token: number, limit = CLAIM_BATCH_SIZE): [string, unknown[]] {
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
 * Every statement on `outbox_events`, and the relay's own database session. Events are stored in
 * the caller's transaction; the relay's claims and outcomes are written on the pool, each in its
 * own transaction, whatever transaction the caller may be in.
 */
@Injectable()
export class OutboxRepository {
  constructor(
    private readonly transactions: TransactionRunner,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Stores the events in the caller's transaction, in order, and NOTIFYs OUTBOX_CHANNEL, which
   * PostgreSQL delivers at commit, never on rollback: the rows and the NOTIFY in one round trip (a
   * data-modifying CTE always runs to completion).
   */
  async store(events: readonly NewOutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.transactions.manager.query(
      `WITH stored AS (
         INSERT INTO outbox_events (type, payload)
         SELECT type, payload FROM unnest($1::text[], $2::jsonb[]) WITH ORDINALITY AS e(type, payload, n) ORDER BY n
         RETURNING id
       )
       SELECT pg_notify($3, '') WHERE EXISTS (SELECT 1 FROM stored)`,
      [events.map((event) => event.type), events.map((event) => JSON.stringify(event.payload)), OUTBOX_CHANNEL],
    );
  }

  /** False once the pool is closed (the application is shutting down): nothing can be claimed. */
  get isOpen(): boolean {
    return this.dataSource.isInitialized;
  }

  /** Claims up to `limit` due events for the relay session holding `token` (see claimStatement), in id order. */
  async claim(token: number, limit = CLAIM_BATCH_SIZE): Promise<ClaimedEvent[]> {
    const [rows] = await this.dataSource.query<[ClaimedEvent[], number]>(...claimStatement(token, limit));
    return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** Marks the events published, in one statement, and forgets their last error. */
  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(`UPDATE outbox_events SET published_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Frees an event whose listener failed, for a new attempt in `delaySeconds`, keeping the error. */
  async retryLater(id: string, delaySeconds: number, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox_events SET claimed_by = NULL, available_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
      [id, delaySeconds, error.slice(0, 2000)],
    );
  }

  /** Frees, due at once, every unpublished event the relay session holding `token` claimed. */
  async releaseClaims(token: number): Promise<void> {
    await this.dataSource.query(`UPDATE outbox_events SET claimed_by = NULL, available_at = now() WHERE claimed_by = $1 AND published_at IS NULL`, [
      token,
    ]);
  }

  /**
   * Removes up to `limit` of the events published before `cutoff`, oldest first, in one statement
   * (a short transaction of its own): rows another session holds are skipped, never waited for.
   * Unpublished events are never removed. Returns how many were removed.
   */
  async removePublishedBefore(cutoff: Date, limit: number): Promise<number> {
    const [, removed] = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM outbox_events
        WHERE id IN (SELECT e.id FROM outbox_events e
                      WHERE e.published_at IS NOT NULL AND e.published_at < $1
                      ORDER BY e.published_at, e.id
                      LIMIT $2
                        FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
    return removed;
  }

  /** When the oldest published event still kept was published; null when none is (ix_outbox_events_published). */
  async oldestPublished(): Promise<Date | null> {
    const [row] = await this.dataSource.query<Array<{ oldest: Date | null }>>(
      `SELECT min(published_at) AS oldest FROM outbox_events WHERE published_at IS NOT NULL`,
    );
    return row.oldest;
  }

  /** A dedicated connection to the database, not yet connected, for a relay session (see openSession). */
  sessionClient(): Client {
    const url = (this.dataSource.options as { url?: string }).url;
    return new Client({ connectionString: url, application_name: 'profile-points-outbox-relay', keepAlive: true });
  }

  /**
   * Makes `client` a relay session: connects it, sets its server-side keepalives, takes the advisory
   * lock of a fresh random token and LISTENs on OUTBOX_CHANNEL. Returns the token under which the
   * session claims events; they stand as long as the session lives.
   */
  async openSession(client: Client): Promise<number> {
    await client.connect();
    await client.query(
      `SELECT set_config('tcp_keepalives_idle', $1, false), set_config('tcp_keepalives_interval', $2, false), set_config('tcp_keepalives_count', $3, false)`,
      [String(KEEPALIVE.idle), String(KEEPALIVE.interval), String(KEEPALIVE.count)],
    );
    const token = await this.lockFreshToken(client);
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    return token;
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
