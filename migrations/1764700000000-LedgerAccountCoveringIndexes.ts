import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two account indexes of the ledger carry `created_at` and `points`, so that the moderator
 * earnings walk (src/moderators: every transfer of `moderator:<id>` after its checkpoint, in id order)
 * is an index-only scan instead of one heap page per transfer: an account's transfers are spread
 * over the whole table, among everybody else's. Same keys as before, so every other query keeps its
 * plan (the history pages still read `kind` and `transaction_id` from the heap, limit + 1 rows).
 */
export class LedgerAccountCoveringIndexes1764700000000 implements MigrationInterface {
  name = 'LedgerAccountCoveringIndexes1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_ledger_transfers_debit`);
    await db.query(`DROP INDEX ix_ledger_transfers_credit`);
    await db.query(`CREATE INDEX ix_ledger_transfers_debit ON ledger_transfers (debit_account, id DESC) INCLUDE (created_at, points)`);
    await db.query(`CREATE INDEX ix_ledger_transfers_credit ON ledger_transfers (credit_account, id DESC) INCLUDE (created_at, points)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_ledger_transfers_credit`);
    await db.query(`DROP INDEX ix_ledger_transfers_debit`);
    await db.query(`CREATE INDEX ix_ledger_transfers_debit ON ledger_transfers (debit_account, id DESC)`);
    await db.query(`CREATE INDEX ix_ledger_transfers_credit ON ledger_transfers (credit_account, id DESC)`);
  }
}
