import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../database/transaction';

export type PlatformEventStatus = 'pending' | 'delivered' | 'failed';
export const PLATFORM_EVENT_STATUSES: readonly PlatformEventStatus[] = ['pending', 'delivered', 'failed'];

export type TryOutcome = 'delivered' | 'rejected' | 'timeout' | 'error';
export const TRY_OUTCOMES: readonly TryOutcome[] = ['delivered', 'rejected', 'timeout', 'error'];

/** An event to store with the caller's change. */
export interface NewPlatformEvent {
  webhookId: string;
  type: string;
  clientId: string;
  profileId: string;
  body: string;
}

/** An event claimed for a try: nobody else takes it until `claim` is settled or its lease has passed. */
export interface ClaimedPlatformEvent {
  id: string;
  webhookId: string;
  body: string;
  /** Failed tries of the retry schedule so far. */
  scheduleStep: number;
}

/** What one try gave. */
export interface TryResult {
  outcome: TryOutcome;
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  manual: boolean;
}

export interface PlatformEventRow {
  id: string;
  webhookId: string;
  type: string;
  clientId: string;
  profileId: string;
  body: string;
  status: PlatformEventStatus;
  tries: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface AttemptRow {
  eventId: string;
  attemptedAt: Date;
  durationMs: number;
  outcome: TryOutcome;
  statusCode: number | null;
  error: string | null;
  manual: boolean;
}

/**
 * How long a claim holds an event: more than a try can take (DELIVERY_TIMEOUT_MS), so a live
 * instance always settles its claim first; a crashed one's claims come back after it.
 */
export const CLAIM_LEASE_SECONDS = 60;

interface EventRecord {
  id: string;
  webhook_id: string;
  type: string;
  client_id: string;
  profile_id: string;
  body: string;
  status: PlatformEventStatus;
  tries: number;
  next_attempt_at: Date;
  claim: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

const EVENT_COLUMNS = `e.id, e.webhook_id, e.type, e.client_id, e.profile_id, e.body, e.status, e.tries, e.next_attempt_at, e.claim, e.created_at, e.delivered_at`;

/**
 * Every statement on `platform_events` and `platform_event_attempts`. Events are stored in the
 * caller's transaction (with the change); claims and outcomes are written on the pool, each in its
 * own statement, outside any transaction of the caller. Times come from the caller (PlatformClock),
 * never from the database's clock, so that one clock decides what is due.
 */
@Injectable()
export class PlatformEventsRepository {
  constructor(
    private readonly transactions: TransactionRunner,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Stores the events in the caller's transaction, in order, due at `dueAt`. */
  async store(events: readonly NewPlatformEvent[], dueAt: Date): Promise<void> {
    if (events.length === 0) return;
    await this.transactions.manager.query(
      `INSERT INTO platform_events (webhook_id, type, client_id, profile_id, body, next_attempt_at)
       SELECT webhook_id, type, client_id, profile_id, body, $6
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) WITH ORDINALITY AS e(webhook_id, type, client_id, profile_id, body, n)
        ORDER BY n`,
      [
        events.map((event) => event.webhookId),
        events.map((event) => event.type),
        events.map((event) => event.clientId),
        events.map((event) => event.profileId),
        events.map((event) => event.body),
        dueAt,
      ],
    );
  }

  /**
   * Claims up to `limit` due pending events under `claim` (oldest due first): FOR UPDATE SKIP LOCKED,
   * so instances side by side take different events, and each claimed event is pushed a lease ahead,
   * so none takes it again while its claimer works on it.
   */
  async claimDue(claim: string, now: Date, limit: number): Promise<ClaimedPlatformEvent[]> {
    const [rows] = await this.dataSource.query<[Array<{ id: string; webhook_id: string; body: string; schedule_step: number }>, number]>(
      `UPDATE platform_events e
          SET claim = $1, next_attempt_at = $2::timestamptz + make_interval(secs => $3)
        WHERE e.id IN (SELECT d.id FROM platform_events d
                        WHERE d.status = 'pending' AND d.next_attempt_at <= $2
                        ORDER BY d.next_attempt_at, d.id
                        LIMIT $4
                          FOR UPDATE SKIP LOCKED)
       RETURNING e.id, e.webhook_id, e.body, e.schedule_step`,
      [claim, now, CLAIM_LEASE_SECONDS, limit],
    );
    return rows.map((row) => ({ id: row.id, webhookId: row.webhook_id, body: row.body, scheduleStep: row.schedule_step }));
  }

  /**
   * Claims one event for a manual try, whatever its status, and starts its retry schedule over;
   * 'missing' when there is no such event, 'busy' while another try of it is in flight.
   */
  async claimOne(id: string, claim: string, now: Date): Promise<ClaimedPlatformEvent | 'missing' | 'busy'> {
    const [rows] = await this.dataSource.query<[Array<{ id: string; webhook_id: string; body: string; schedule_step: number }>, number]>(
      `UPDATE platform_events e
          SET status = 'pending', delivered_at = NULL, schedule_step = 0, claim = $2,
              next_attempt_at = $3::timestamptz + make_interval(secs => $4)
        WHERE e.id = $1 AND NOT (e.status = 'pending' AND e.claim IS NOT NULL AND e.next_attempt_at > $3)
       RETURNING e.id, e.webhook_id, e.body, e.schedule_step`,
      [id, claim, now, CLAIM_LEASE_SECONDS],
    );
    if (rows.length > 0) return { id: rows[0].id, webhookId: rows[0].webhook_id, body: rows[0].body, scheduleStep: rows[0].schedule_step };
    const [exists] = await this.dataSource.query<Array<{ id: string }>>(`SELECT id FROM platform_events WHERE id = $1`, [id]);
    return exists ? 'busy' : 'missing';
  }

  /**
   * Keeps a try's outcome and settles the event, in one statement: delivered (whoever claimed it: the
   * platform has it, at `finishedAt`), or, while `claim` still holds it, pending until `nextTryAt` or
   * failed (null).
   * A claim that has passed to another instance keeps only the try.
   */
  async settle(event: ClaimedPlatformEvent, claim: string, result: TryResult, nextTryAt: Date | null, finishedAt: Date): Promise<void> {
    await this.dataSource.query(
      `WITH attempt AS (
         INSERT INTO platform_event_attempts (event_id, attempted_at, duration_ms, outcome, status_code, error, manual)
         VALUES ($1, $3, $4, $5, $6, $7, $8)
       )
       UPDATE platform_events e
          SET tries = e.tries + 1,
              status = CASE WHEN $5 = 'delivered' THEN 'delivered' WHEN e.claim = $2 AND $9::timestamptz IS NULL THEN 'failed' ELSE e.status END,
              delivered_at = CASE WHEN $5 = 'delivered' THEN $10::timestamptz ELSE e.delivered_at END,
              schedule_step = CASE WHEN $5 <> 'delivered' AND e.claim = $2 THEN e.schedule_step + 1 ELSE e.schedule_step END,
              next_attempt_at = CASE WHEN $5 <> 'delivered' AND e.claim = $2 THEN coalesce($9::timestamptz, $10::timestamptz) ELSE e.next_attempt_at END,
              claim = CASE WHEN $5 = 'delivered' OR e.claim = $2 THEN NULL ELSE e.claim END
        WHERE e.id = $1`,
      [
        event.id,
        claim,
        result.attemptedAt,
        result.durationMs,
        result.outcome,
        result.statusCode,
        result.error?.slice(0, 2000) ?? null,
        result.manual,
        nextTryAt,
        finishedAt,
      ],
    );
  }

  /** Events newest first, of one status or all, after the cursor (an id); `limit` + 1 rows tell whether a page follows. */
  async list(status: PlatformEventStatus | undefined, cursor: string | undefined, limit: number): Promise<PlatformEventRow[]> {
    const rows = await this.dataSource.query<EventRecord[]>(
      `SELECT ${EVENT_COLUMNS}
         FROM platform_events e
        WHERE ($1::text IS NULL OR e.status = $1) AND ($2::bigint IS NULL OR e.id < $2)
        ORDER BY e.id DESC
        LIMIT $3`,
      [status ?? null, cursor ?? null, limit + 1],
    );
    return rows.map(toRow);
  }

  async find(id: string): Promise<PlatformEventRow | null> {
    const [row] = await this.dataSource.query<EventRecord[]>(`SELECT ${EVENT_COLUMNS} FROM platform_events e WHERE e.id = $1`, [id]);
    return row ? toRow(row) : null;
  }

  /** Every try of the events, oldest first, by event id. */
  async attemptsOf(eventIds: readonly string[]): Promise<Map<string, AttemptRow[]>> {
    const byEvent = new Map<string, AttemptRow[]>(eventIds.map((id) => [id, []]));
    if (eventIds.length === 0) return byEvent;
    const rows = await this.dataSource.query<
      Array<{ event_id: string; attempted_at: Date; duration_ms: number; outcome: TryOutcome; status_code: number | null; error: string | null; manual: boolean }>
    >(
      `SELECT a.event_id, a.attempted_at, a.duration_ms, a.outcome, a.status_code, a.error, a.manual
         FROM platform_event_attempts a
        WHERE a.event_id = ANY($1::bigint[])
        ORDER BY a.event_id, a.id`,
      [eventIds],
    );
    for (const row of rows) {
      byEvent.get(row.event_id)?.push({
        eventId: row.event_id,
        attemptedAt: row.attempted_at,
        durationMs: row.duration_ms,
        outcome: row.outcome,
        statusCode: row.status_code,
        error: row.error,
        manual: row.manual,
      });
    }
    return byEvent;
  }

  /**
   * Removes up to `limit` of the events delivered before `cutoff`, oldest first, with their tries, in
   * one statement (a short transaction of its own): events another session holds (a manual retry)
   * are skipped, never waited for. Pending and failed events are never removed. Returns how many
   * events and tries were removed.
   */
  async removeDeliveredBefore(cutoff: Date, limit: number): Promise<{ events: number; attempts: number }> {
    const [row] = await this.dataSource.query<Array<{ events: number; attempts: number }>>(
      `WITH doomed AS (
         SELECT d.id FROM platform_events d
          WHERE d.status = 'delivered' AND d.delivered_at < $1
          ORDER BY d.delivered_at, d.id
          LIMIT $2
            FOR UPDATE SKIP LOCKED
       ), attempts AS (
         DELETE FROM platform_event_attempts a USING doomed d WHERE a.event_id = d.id RETURNING 1
       ), events AS (
         DELETE FROM platform_events e USING doomed d WHERE e.id = d.id RETURNING 1
       )
       SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM attempts)::int AS attempts`,
      [cutoff, limit],
    );
    return row;
  }

  /** When the oldest delivered event still kept was delivered; null when none is (ix_platform_events_delivered). */
  async oldestDelivered(): Promise<Date | null> {
    const [row] = await this.dataSource.query<Array<{ oldest: Date | null }>>(
      `SELECT min(delivered_at) AS oldest FROM platform_events WHERE status = 'delivered'`,
    );
    return row.oldest;
  }

  /** Events not delivered yet and not given up on (read from the partial index of pending events). */
  async pendingCount(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ pending: string }>>(`SELECT count(*) AS pending FROM platform_events WHERE status = 'pending'`);
    return Number(row.pending);
  }
}

function toRow(record: EventRecord): PlatformEventRow {
  return {
    id: record.id,
    webhookId: record.webhook_id,
    type: record.type,
    clientId: record.client_id,
    profileId: record.profile_id,
    body: record.body,
    status: record.status,
    tries: record.tries,
    nextAttemptAt: record.status === 'pending' ? record.next_attempt_at : null,
    createdAt: record.created_at,
    deliveredAt: record.delivered_at,
  };
}
