import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A version of each client's balance for a profile: it grows by one with every change of that
 * balance, in the statement that changes it (InteractionsRepository.applyBalanceChanges), so that
 * whoever receives balances out of order (the platform's webhooks) can tell which is the latest.
 * Existing conversations start at 0: nobody has seen a version of them yet. A constant default adds
 * the column without rewriting the table.
 */
export class BalanceVersion1765050000000 implements MigrationInterface {
  name = 'BalanceVersion1765050000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE profile_client_interactions ADD COLUMN balance_version bigint NOT NULL DEFAULT 0`);
    await db.query(`ALTER TABLE profile_client_interactions ADD CONSTRAINT ck_interactions_balance_version CHECK (balance_version >= 0)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE profile_client_interactions DROP CONSTRAINT ck_interactions_balance_version`);
    await db.query(`ALTER TABLE profile_client_interactions DROP COLUMN balance_version`);
  }
}
