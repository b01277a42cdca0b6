import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the operator tools (src/admin): the transaction search pages newest first by id within a
 * status or a moderator, bounds created_at, and the summary ranges over credited_at and the ledger's
 * created_at. Client and profile searches use ix_transactions_client / ix_transactions_profile, and
 * pending purchases past the reconciliation delay use ix_transactions_pending.
 */
export class OperatorTools1764300000000 implements MigrationInterface {
  name = 'OperatorTools1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX ix_transactions_status_id ON profile_point_transactions (status, id DESC)`);
    await db.query(`CREATE INDEX ix_transactions_moderator ON profile_point_transactions (moderator_id, id DESC)`);
    await db.query(`CREATE INDEX ix_transactions_created ON profile_point_transactions (created_at)`);
    await db.query(`CREATE INDEX ix_transactions_credited ON profile_point_transactions (credited_at) WHERE credited_at IS NOT NULL`);
    await db.query(`CREATE INDEX ix_ledger_transfers_created ON ledger_transfers (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_ledger_transfers_created`);
    await db.query(`DROP INDEX ix_transactions_credited`);
    await db.query(`DROP INDEX ix_transactions_created`);
    await db.query(`DROP INDEX ix_transactions_moderator`);
    await db.query(`DROP INDEX ix_transactions_status_id`);
  }
}
