import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A transfer may move money without points (SPEC §11): a refund too small to take back a point (the
 * points of the earlier refunds were rounded up) still lowers what the client paid, and the earner's
 * share with it. Every other transfer still moves at least one point (a NULL money_cents must not
 * pass the rule, hence the coalesce).
 *
 * The new rule admits every row the old one did: added NOT VALID (no scan under the table's lock),
 * then validated, which lets writes go on.
 */
export class MoneyOnlyTransfers1765300000000 implements MigrationInterface {
  name = 'MoneyOnlyTransfers1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE ledger_transfers DROP CONSTRAINT ck_ledger_transfers_points`);
    await db.query(`ALTER TABLE ledger_transfers ADD CONSTRAINT ck_ledger_transfers_points CHECK (points > 0 OR (points = 0 AND coalesce(money_cents, 0) > 0)) NOT VALID`);
    await db.query(`ALTER TABLE ledger_transfers VALIDATE CONSTRAINT ck_ledger_transfers_points`);
  }

  /** Refused while a money-only transfer exists: the ledger is append-only, so it stays until restored from a backup. */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE ledger_transfers DROP CONSTRAINT ck_ledger_transfers_points`);
    await db.query(`ALTER TABLE ledger_transfers ADD CONSTRAINT ck_ledger_transfers_points CHECK (points > 0)`);
  }
}
