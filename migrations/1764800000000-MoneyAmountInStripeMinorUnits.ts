import { MigrationInterface, QueryRunner } from 'typeorm';

const LEGACY = 'round(amount_cents / 100.0, 2)';

/**
 * `money_amount` divided every amount by 100: 500 JPY read 5.00 and 1234 KWD read 12.34. It now
 * follows Stripe's minor units per currency, the rule of src/common/currencies.ts as it stands
 * today (the entity builds the same text with decimalAmountSql, so a later change of that table
 * shows as schema drift until a migration follows it). Unconstrained numeric: numeric(8, 2) can
 * hold neither three decimals nor 99999999 JPY; a 9.99 EUR row still reads 9.99.
 *
 * A generated column's expression cannot be altered before PostgreSQL 17, so the column is dropped
 * and added again: that rewrites profile_point_transactions under an exclusive lock, once.
 */
const BY_CURRENCY =
  "CASE WHEN lower(currency) IN ('bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf') " +
  'THEN amount_cents::numeric ' +
  "WHEN lower(currency) IN ('bhd', 'jod', 'kwd', 'omr', 'tnd') THEN round(amount_cents / 1000.0, 3) " +
  'ELSE round(amount_cents / 100.0, 2) END';

export class MoneyAmountInStripeMinorUnits1764800000000 implements MigrationInterface {
  name = 'MoneyAmountInStripeMinorUnits1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await replace(db, 'numeric', BY_CURRENCY);
  }

  async down(db: QueryRunner): Promise<void> {
    await replace(db, 'numeric(8, 2)', LEGACY);
  }
}

async function replace(db: QueryRunner, type: string, expression: string): Promise<void> {
  await db.query(`ALTER TABLE profile_point_transactions DROP COLUMN money_amount`);
  await db.query(`ALTER TABLE profile_point_transactions ADD COLUMN money_amount ${type} GENERATED ALWAYS AS (${expression}) STORED`);
  // TypeORM compares the entity's asExpression with this row (see InitialSchema).
  await db.query(
    `UPDATE typeorm_metadata SET value = $1
      WHERE type = 'GENERATED_COLUMN' AND database = current_database() AND schema = current_schema()
        AND "table" = 'profile_point_transactions' AND name = 'money_amount'`,
    [expression],
  );
}
