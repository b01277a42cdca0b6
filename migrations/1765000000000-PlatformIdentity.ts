import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A platform brings its own users (SPEC §10): it may know neither a user's name nor their e-mail,
 * and an erased user keeps their row (purchases and the ledger name it) without either.
 * - `email` and `name` become optional. `uq_users_email` stays: a UNIQUE constraint never compares
 *   NULLs, so it already holds only for the e-mails that are present. `name` loses its '' default:
 *   a name nobody gave is unknown (NULL), not empty.
 * - `erased_at`: when the platform erased the user. An erased row keeps its id, role and points
 *   and holds no name or e-mail (`ck_users_erased`).
 * - `profiles.active`: false refuses new checkouts for the profile.
 */
export class PlatformIdentity1765000000000 implements MigrationInterface {
  name = 'PlatformIdentity1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users ALTER COLUMN email DROP NOT NULL`);
    await db.query(`ALTER TABLE users ALTER COLUMN name DROP NOT NULL`);
    await db.query(`ALTER TABLE users ALTER COLUMN name DROP DEFAULT`);
    await db.query(`ALTER TABLE users ADD COLUMN erased_at timestamptz NULL`);
    await db.query(`ALTER TABLE users ADD CONSTRAINT ck_users_erased CHECK (erased_at IS NULL OR (email IS NULL AND name IS NULL))`);
    await db.query(`ALTER TABLE profiles ADD COLUMN active boolean NOT NULL DEFAULT true`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE profiles DROP COLUMN active`);
    await db.query(`ALTER TABLE users DROP CONSTRAINT ck_users_erased`);
    await db.query(`ALTER TABLE users DROP COLUMN erased_at`);
    // The columns were required before: what is unknown gets a placeholder that cannot be a real address.
    await db.query(`UPDATE users SET name = '' WHERE name IS NULL`);
    await db.query(`UPDATE users SET email = 'user-' || id || '@unknown.invalid' WHERE email IS NULL`);
    await db.query(`ALTER TABLE users ALTER COLUMN name SET DEFAULT ''`);
    await db.query(`ALTER TABLE users ALTER COLUMN name SET NOT NULL`);
    await db.query(`ALTER TABLE users ALTER COLUMN email SET NOT NULL`);
  }
}
