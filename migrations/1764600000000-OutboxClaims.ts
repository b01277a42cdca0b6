import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox claims tied to the claiming relay's database session instead of a lease. `claimed_by` is
 * the token of the session-level advisory lock its relay holds on a dedicated connection (see
 * OutboxRelay): while that session lives the claim stands; once it ends (the process died, or shut
 * down) every relay sees the lock gone and may take the event at once.
 */
export class OutboxClaims1764600000000 implements MigrationInterface {
  name = 'OutboxClaims1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox_events ADD COLUMN claimed_by integer NULL`);
    await db.query(`ALTER TABLE outbox_events ADD CONSTRAINT ck_outbox_events_claimed_by CHECK (claimed_by > 0)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox_events DROP CONSTRAINT ck_outbox_events_claimed_by`);
    await db.query(`ALTER TABLE outbox_events DROP COLUMN claimed_by`);
  }
}
