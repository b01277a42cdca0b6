import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The queue of events to the platform (SPEC §10), apart from the outbox: an event is stored with the
 * change that caused it and delivered by its own worker, so a platform that is down holds up nothing
 * else. `body` is the JSON sent, the same bytes on every try (each try is signed afresh).
 * `next_attempt_at` is when a pending event may be claimed: a claim pushes it a lease ahead and sets
 * `claim`, so a claim that its instance never settled (it crashed) is taken again once the lease has
 * passed. `schedule_step` counts the failed tries of the retry schedule (a manual retry starts it
 * over); `tries` counts every try. No foreign key to users or profiles: storing an event must not
 * lock them (ARCHITECTURE.md, lock order), and events outlive nothing they name.
 */
export class PlatformEvents1765050000001 implements MigrationInterface {
  name = 'PlatformEvents1765050000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE platform_events (
        id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_platform_events PRIMARY KEY,
        webhook_id       text        NOT NULL,
        type             text        NOT NULL,
        client_id        bigint      NOT NULL,
        profile_id       bigint      NOT NULL,
        body             text        NOT NULL,
        status           text        NOT NULL DEFAULT 'pending',
        tries            integer     NOT NULL DEFAULT 0,
        schedule_step    integer     NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL,
        claim            uuid        NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        delivered_at     timestamptz NULL,
        CONSTRAINT uq_platform_events_webhook_id UNIQUE (webhook_id),
        CONSTRAINT ck_platform_events_status CHECK (status IN ('pending', 'delivered', 'failed')),
        CONSTRAINT ck_platform_events_type CHECK (type ~ '^[a-z]+\\.[a-z_]+$'),
        CONSTRAINT ck_platform_events_tries CHECK (tries >= 0 AND schedule_step >= 0),
        CONSTRAINT ck_platform_events_delivered CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
        CONSTRAINT ck_platform_events_claim CHECK (claim IS NULL OR status = 'pending')
      )`);
    // Claims and the pending gauge read only what is pending; the admin list pages by status, newest first.
    await db.query(`CREATE INDEX ix_platform_events_due ON platform_events (next_attempt_at, id) WHERE status = 'pending'`);
    await db.query(`CREATE INDEX ix_platform_events_status ON platform_events (status, id)`);
    await db.query(`
      CREATE TABLE platform_event_attempts (
        id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_platform_event_attempts PRIMARY KEY,
        event_id     bigint      NOT NULL CONSTRAINT fk_platform_event_attempts_event REFERENCES platform_events (id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL,
        duration_ms  integer     NOT NULL,
        outcome      text        NOT NULL,
        status_code  integer     NULL,
        error        text        NULL,
        manual       boolean     NOT NULL DEFAULT false,
        CONSTRAINT ck_platform_event_attempts_outcome CHECK (outcome IN ('delivered', 'rejected', 'timeout', 'error')),
        CONSTRAINT ck_platform_event_attempts_duration CHECK (duration_ms >= 0),
        CONSTRAINT ck_platform_event_attempts_status_code CHECK (status_code IS NULL OR status_code BETWEEN 100 AND 599)
      )`);
    await db.query(`CREATE INDEX ix_platform_event_attempts_event ON platform_event_attempts (event_id, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE platform_event_attempts`);
    await db.query(`DROP TABLE platform_events`);
  }
}
