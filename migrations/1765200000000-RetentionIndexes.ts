import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One index per table that retention trims (SPEC §13), on the column its age is counted by, and only
 * over the rows it may remove: each batch reads the oldest removable rows from it, and the metrics
 * read the oldest one kept, without scanning what stays (pending events, unread notifications).
 *
 * Built CONCURRENTLY, outside a transaction: these tables are the ones that have grown, and a plain
 * CREATE INDEX would hold off every insert (webhooks, alerts) while it reads them. A build that
 * failed half way leaves an invalid index behind, so each is dropped first: the migration can be run
 * again. `down()` runs in the reverting transaction, where CONCURRENTLY is not allowed.
 */
export class RetentionIndexes1765200000000 implements MigrationInterface {
  name = 'RetentionIndexes1765200000000';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    for (const [name, definition] of INDEXES) {
      await db.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await db.query(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const [name] of [...INDEXES].reverse()) await db.query(`DROP INDEX IF EXISTS ${name}`);
  }
}

const INDEXES: ReadonlyArray<readonly [string, string]> = [
  // Delivered outbox events, by when they were delivered.
  ['ix_outbox_events_published', `outbox_events (published_at, id) WHERE published_at IS NOT NULL`],
  // Processed Stripe event ids, by when they were processed.
  ['ix_stripe_events_processed', `stripe_events (processed_at)`],
  // Read notifications, by when they were made.
  ['ix_notifications_read_created', `notifications (created_at, id) WHERE read_at IS NOT NULL`],
  // Events delivered to the platform, by when they were delivered.
  ['ix_platform_events_delivered', `platform_events (delivered_at, id) WHERE status = 'delivered'`],
];
