import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What refunds, disputes, reconciliation and spending need: the amounts Stripe reported (so a
 * reconciliation report compares money with points without calling Stripe), the dispute state, a
 * `restore` ledger kind for won disputes, and the spends with their idempotency keys.
 */
export class PaymentOutcomes1764200000000 implements MigrationInterface {
  name = 'PaymentOutcomes1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE profile_point_transactions
        ADD COLUMN stripe_charge_id             text   NULL,
        ADD COLUMN stripe_amount_paid_cents     bigint NULL,
        ADD COLUMN stripe_amount_refunded_cents bigint NOT NULL DEFAULT 0,
        ADD COLUMN disputed_points              bigint NOT NULL DEFAULT 0,
        ADD COLUMN dispute_id                   text   NULL,
        ADD COLUMN dispute_status               text   NULL,
        ADD CONSTRAINT ck_transactions_dispute_status CHECK (dispute_status IN ('open', 'won', 'lost')),
        ADD CONSTRAINT ck_transactions_reversed CHECK (disputed_points >= 0 AND refunded_points + disputed_points <= points_amount),
        ADD CONSTRAINT ck_transactions_stripe_refunded CHECK (stripe_amount_refunded_cents >= 0)`);
    await db.query(`CREATE INDEX ix_transactions_status_created ON profile_point_transactions (status, created_at, id)`);

    await db.query(`ALTER TABLE ledger_transfers DROP CONSTRAINT ck_ledger_transfers_kind`);
    await db.query(`
      ALTER TABLE ledger_transfers ADD CONSTRAINT ck_ledger_transfers_kind
        CHECK (kind IN ('purchase', 'attribution', 'hold', 'release', 'reversal', 'restore', 'spend'))`);

    await db.query(`
      CREATE TABLE point_spends (
        id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_point_spends PRIMARY KEY,
        client_id        bigint      NOT NULL CONSTRAINT fk_point_spends_client REFERENCES users (id),
        profile_id       bigint      NOT NULL CONSTRAINT fk_point_spends_profile REFERENCES profiles (id),
        interaction_id   bigint      NOT NULL CONSTRAINT fk_point_spends_interaction REFERENCES profile_client_interactions (id),
        points           bigint      NOT NULL,
        reason           text        NOT NULL,
        idempotency_key  text        NOT NULL,
        balance_after    bigint      NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_point_spends_client_key UNIQUE (client_id, idempotency_key),
        CONSTRAINT ck_point_spends_points CHECK (points > 0)
      )`);
    await db.query(`CREATE INDEX ix_point_spends_interaction ON point_spends (interaction_id, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE point_spends`);
    await db.query(`ALTER TABLE ledger_transfers DROP CONSTRAINT ck_ledger_transfers_kind`);
    await db.query(`
      ALTER TABLE ledger_transfers ADD CONSTRAINT ck_ledger_transfers_kind
        CHECK (kind IN ('purchase', 'attribution', 'hold', 'release', 'reversal', 'spend')) NOT VALID`);
    await db.query(`DROP INDEX ix_transactions_status_created`);
    await db.query(`
      ALTER TABLE profile_point_transactions
        DROP CONSTRAINT ck_transactions_stripe_refunded,
        DROP CONSTRAINT ck_transactions_reversed,
        DROP CONSTRAINT ck_transactions_dispute_status,
        DROP COLUMN dispute_status,
        DROP COLUMN dispute_id,
        DROP COLUMN disputed_points,
        DROP COLUMN stripe_amount_refunded_cents,
        DROP COLUMN stripe_amount_paid_cents,
        DROP COLUMN stripe_charge_id`);
  }
}
