import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved states of the moderator earnings walk (src/moderators): for an account, the walk's state
 * after every ledger transfer with id ≤ `upto_id`, for one maturity; and a candidate for the next
 * checkpoint (`candidate_id`, read from the ledger's id sequence at `candidate_at`). See
 * ModeratorsService for why a candidate must wait before it can be used.
 */
export class EarningsCheckpoints1764500000000 implements MigrationInterface {
  name = 'EarningsCheckpoints1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE earnings_checkpoints (
        account       text        CONSTRAINT pk_earnings_checkpoints PRIMARY KEY,
        maturity_us   bigint      NOT NULL,
        upto_id       bigint      NOT NULL,
        available     bigint      NOT NULL,
        pending       jsonb       NOT NULL,
        candidate_id  bigint      NULL,
        candidate_at  timestamptz NULL,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_earnings_checkpoints_upto CHECK (upto_id >= 0 AND maturity_us >= 0),
        CONSTRAINT ck_earnings_checkpoints_pending CHECK (jsonb_typeof(pending) = 'array')
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE earnings_checkpoints`);
  }
}
