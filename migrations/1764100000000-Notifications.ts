import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored per-user notifications, written by the notifications module from published outbox events.
 * - `id` is one identity for all users: increasing, so a socket resumes with "everything after id N".
 * - uq_notifications_event_user makes a re-published event (the relay is at-least-once) a no-op:
 *   the listener inserts ON CONFLICT ON CONSTRAINT uq_notifications_event_user DO NOTHING.
 * - ix_notifications_user serves GET /notifications (newest first) and the socket replay (id > N,
 *   scanned backwards); ix_notifications_user_unread serves `unread=true` and unread counts.
 */
export class Notifications1764100000000 implements MigrationInterface {
  name = 'Notifications1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifications (
        id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_notifications PRIMARY KEY,
        user_id     bigint      NOT NULL CONSTRAINT fk_notifications_user REFERENCES users (id) ON DELETE CASCADE,
        type        text        NOT NULL,
        payload     jsonb       NOT NULL,
        event_id    uuid        NOT NULL,
        read_at     timestamptz NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_notifications_event_user UNIQUE (event_id, user_id),
        CONSTRAINT ck_notifications_type
          CHECK (type IN ('points.purchased', 'purchase.completed', 'points.reversed', 'points.restored', 'payment.failed')),
        CONSTRAINT ck_notifications_payload CHECK (jsonb_typeof(payload) = 'object')
      )`);
    await db.query(`CREATE INDEX ix_notifications_user ON notifications (user_id, id DESC)`);
    await db.query(`CREATE INDEX ix_notifications_user_unread ON notifications (user_id, id DESC) WHERE read_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_notifications_user_unread`);
    await db.query(`DROP INDEX ix_notifications_user`);
    await db.query(`DROP TABLE notifications`);
  }
}
