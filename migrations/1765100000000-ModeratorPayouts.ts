import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Moderators are paid (SPEC §11).
 *
 * - The ledger carries money: an earnings transfer (attribution, hold, release, reversal, restore)
 *   moves, with its points, the change of the moderator's rounded share of what the client paid for
 *   the purchase (`money_cents` ≥ 0 in the transfer's direction, `currency`). Transfers written
 *   before this migration carry none: their purchases were credited before any share was agreed.
 *   The partial indexes serve every money read of one account (its page, its statements) and, for a
 *   payout run, of all of them: only the rows that carry money are in them.
 * - A lot remembers the share in force when its purchase was credited (`moderator_share_bps`; null
 *   for purchases credited before), and whether an early fraud warning froze it (`frozen_at`).
 * - Promotional points: `point_grants`, each a lot of its own with no money, no share and no
 *   moderator (`grant_id` instead of `transaction_id`), credited from `platform:promotions`.
 * - The purchase knows its early fraud warning (Stripe's id, whether it still holds, the amount
 *   refunded for it at Stripe when EFW_AUTO_REFUND asked for one).
 * - Payouts: the moderators' bank details, the runs (one per `until`) and their payouts.
 * - Admins are alerted of fraud warnings and of changed payout details.
 *
 * Constraints that read existing rows are added NOT VALID and then validated, so that a large
 * ledger is scanned without blocking writes.
 */
export class ModeratorPayouts1765100000000 implements MigrationInterface {
  name = 'ModeratorPayouts1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE ledger_transfers ADD COLUMN money_cents bigint NULL, ADD COLUMN currency text NULL`);
    await db.query(`
      ALTER TABLE ledger_transfers ADD CONSTRAINT ck_ledger_transfers_money
        CHECK ((money_cents IS NULL) = (currency IS NULL) AND money_cents >= 0 AND currency ~ '^[a-z]{3}$') NOT VALID`);
    await db.query(`ALTER TABLE ledger_transfers VALIDATE CONSTRAINT ck_ledger_transfers_money`);
    await db.query(`ALTER TABLE ledger_transfers DROP CONSTRAINT ck_ledger_transfers_kind`);
    await db.query(`
      ALTER TABLE ledger_transfers ADD CONSTRAINT ck_ledger_transfers_kind
        CHECK (kind IN ('purchase', 'attribution', 'hold', 'release', 'reversal', 'restore', 'spend', 'grant')) NOT VALID`);
    await db.query(`ALTER TABLE ledger_transfers VALIDATE CONSTRAINT ck_ledger_transfers_kind`);
    await db.query(`
      CREATE INDEX ix_ledger_transfers_money_credit ON ledger_transfers (credit_account, created_at)
        INCLUDE (transaction_id, money_cents, currency) WHERE money_cents IS NOT NULL`);
    await db.query(`
      CREATE INDEX ix_ledger_transfers_money_debit ON ledger_transfers (debit_account, created_at)
        INCLUDE (transaction_id, money_cents, currency) WHERE money_cents IS NOT NULL`);

    await db.query(`
      CREATE TABLE point_grants (
        id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_point_grants PRIMARY KEY,
        client_id        bigint      NOT NULL CONSTRAINT fk_point_grants_client REFERENCES users (id),
        profile_id       bigint      NOT NULL CONSTRAINT fk_point_grants_profile REFERENCES profiles (id),
        interaction_id   bigint      NOT NULL CONSTRAINT fk_point_grants_interaction REFERENCES profile_client_interactions (id),
        points           bigint      NOT NULL,
        reason           text        NOT NULL,
        idempotency_key  text        NOT NULL,
        granted_by       bigint      NULL CONSTRAINT fk_point_grants_granted_by REFERENCES users (id),
        balance_after    bigint      NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_point_grants_client_key UNIQUE (client_id, idempotency_key),
        CONSTRAINT ck_point_grants_points CHECK (points > 0)
      )`);
    await db.query(`CREATE INDEX ix_point_grants_interaction ON point_grants (interaction_id, id DESC)`);

    await db.query(`
      ALTER TABLE point_lots
        ALTER COLUMN transaction_id DROP NOT NULL,
        ALTER COLUMN currency DROP NOT NULL,
        ADD COLUMN grant_id bigint NULL CONSTRAINT fk_point_lots_grant REFERENCES point_grants (id),
        ADD COLUMN moderator_share_bps integer NULL,
        ADD COLUMN frozen_at timestamptz NULL,
        ADD CONSTRAINT uq_point_lots_grant UNIQUE (grant_id),
        ADD CONSTRAINT ck_point_lots_source CHECK ((transaction_id IS NULL) <> (grant_id IS NULL)),
        ADD CONSTRAINT ck_point_lots_promotional
          CHECK (grant_id IS NULL OR (amount_cents = 0 AND currency IS NULL AND moderator_id IS NULL AND moderator_share_bps IS NULL AND frozen_at IS NULL)),
        ADD CONSTRAINT ck_point_lots_currency CHECK (transaction_id IS NULL OR currency IS NOT NULL),
        ADD CONSTRAINT ck_point_lots_share CHECK (moderator_share_bps BETWEEN 0 AND 10000)`);

    await db.query(`
      ALTER TABLE profile_point_transactions
        ADD COLUMN fraud_warning_id     text        NULL,
        ADD COLUMN fraud_warning_status text        NULL,
        ADD COLUMN fraud_warned_at      timestamptz NULL,
        ADD COLUMN fraud_refund_cents   bigint      NULL,
        ADD CONSTRAINT ck_transactions_fraud_warning
          CHECK (fraud_warning_status IN ('active', 'released', 'refunded', 'disputed')
                 AND (fraud_warning_id IS NULL) = (fraud_warning_status IS NULL)
                 AND (fraud_warning_id IS NULL) = (fraud_warned_at IS NULL)),
        ADD CONSTRAINT ck_transactions_fraud_refund CHECK (fraud_refund_cents > 0)`);
    // Releasing a warning finds its purchase by Stripe's id; the admins' list pages through them newest first.
    await db.query(`CREATE UNIQUE INDEX uq_transactions_fraud_warning ON profile_point_transactions (fraud_warning_id) WHERE fraud_warning_id IS NOT NULL`);
    await db.query(`CREATE INDEX ix_transactions_fraud_warnings ON profile_point_transactions (id DESC) WHERE fraud_warning_id IS NOT NULL`);

    await db.query(`
      CREATE TABLE payout_details (
        user_id      bigint      CONSTRAINT pk_payout_details PRIMARY KEY CONSTRAINT fk_payout_details_user REFERENCES users (id),
        iban         text        NULL,
        holder_name  text        NULL,
        erased_at    timestamptz NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_payout_details_complete CHECK ((iban IS NULL) = (holder_name IS NULL) AND (erased_at IS NULL OR iban IS NULL)),
        CONSTRAINT ck_payout_details_iban CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$')
      )`);

    await db.query(`
      CREATE TABLE payout_runs (
        id             bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_payout_runs PRIMARY KEY,
        until          timestamptz NOT NULL,
        minimum_cents  bigint      NOT NULL,
        skipped        jsonb       NOT NULL DEFAULT '[]',
        created_by     bigint      NULL CONSTRAINT fk_payout_runs_created_by REFERENCES users (id),
        created_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_payout_runs_until UNIQUE (until),
        CONSTRAINT ck_payout_runs_minimum CHECK (minimum_cents > 0),
        CONSTRAINT ck_payout_runs_skipped CHECK (jsonb_typeof(skipped) = 'array')
      )`);
    // The runs list, newest first (keyset on id).
    await db.query(`CREATE INDEX ix_payout_runs_created ON payout_runs (id DESC)`);

    await db.query(`
      CREATE TABLE payouts (
        id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_payouts PRIMARY KEY,
        run_id        bigint      NOT NULL CONSTRAINT fk_payouts_run REFERENCES payout_runs (id),
        moderator_id  bigint      NOT NULL CONSTRAINT fk_payouts_moderator REFERENCES users (id),
        currency      text        NOT NULL,
        amount_cents  bigint      NOT NULL,
        status        text        NOT NULL DEFAULT 'pending',
        iban          text        NULL,
        holder_name   text        NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        paid_at       timestamptz NULL,
        cancelled_at  timestamptz NULL,
        changed_by    bigint      NULL CONSTRAINT fk_payouts_changed_by REFERENCES users (id),
        CONSTRAINT uq_payouts_run_moderator_currency UNIQUE (run_id, moderator_id, currency),
        CONSTRAINT ck_payouts_amount CHECK (amount_cents > 0),
        CONSTRAINT ck_payouts_currency CHECK (currency ~ '^[a-z]{3}$'),
        CONSTRAINT ck_payouts_status CHECK (status IN ('pending', 'paid', 'cancelled')),
        CONSTRAINT ck_payouts_paid CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
        CONSTRAINT ck_payouts_cancelled CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
      )`);
    // What a moderator's payouts hold or took, per currency (money page, payout runs); a run's payouts
    // are read through uq_payouts_run_moderator_currency, which leads with run_id.
    await db.query(`CREATE INDEX ix_payouts_moderator ON payouts (moderator_id, currency) INCLUDE (status, amount_cents) WHERE status <> 'cancelled'`);
    // A statement's payouts: those paid in its month.
    await db.query(`CREATE INDEX ix_payouts_moderator_paid ON payouts (moderator_id, paid_at) WHERE status = 'paid'`);

    // Admin alerts go to every admin: the few admins among all users, without a scan.
    await db.query(`CREATE INDEX ix_users_admins ON users (id) WHERE role = 'admin'`);
    await db.query(`ALTER TABLE notifications DROP CONSTRAINT ck_notifications_type`);
    await db.query(`
      ALTER TABLE notifications ADD CONSTRAINT ck_notifications_type
        CHECK (type IN ('points.purchased', 'purchase.completed', 'points.reversed', 'points.restored', 'payment.failed',
                        'fraud_warning.created', 'payout_details.changed')) NOT VALID`);
    await db.query(`ALTER TABLE notifications VALIDATE CONSTRAINT ck_notifications_type`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM notifications WHERE type IN ('fraud_warning.created', 'payout_details.changed')`);
    await db.query(`DROP INDEX ix_users_admins`);
    await db.query(`ALTER TABLE notifications DROP CONSTRAINT ck_notifications_type`);
    await db.query(`
      ALTER TABLE notifications ADD CONSTRAINT ck_notifications_type
        CHECK (type IN ('points.purchased', 'purchase.completed', 'points.reversed', 'points.restored', 'payment.failed'))`);
    await db.query(`DROP TABLE payouts`);
    await db.query(`DROP TABLE payout_runs`);
    await db.query(`DROP TABLE payout_details`);
    await db.query(`DROP INDEX ix_transactions_fraud_warnings`);
    await db.query(`DROP INDEX uq_transactions_fraud_warning`);
    await db.query(`
      ALTER TABLE profile_point_transactions
        DROP CONSTRAINT ck_transactions_fraud_refund,
        DROP CONSTRAINT ck_transactions_fraud_warning,
        DROP COLUMN fraud_refund_cents,
        DROP COLUMN fraud_warned_at,
        DROP COLUMN fraud_warning_status,
        DROP COLUMN fraud_warning_id`);
    // Promotional lots cannot survive without their grants (their entries go with them).
    await db.query(`DELETE FROM point_lot_entries WHERE lot_id IN (SELECT id FROM point_lots WHERE grant_id IS NOT NULL)`);
    await db.query(`DELETE FROM point_lots WHERE grant_id IS NOT NULL`);
    await db.query(`
      ALTER TABLE point_lots
        DROP CONSTRAINT ck_point_lots_share,
        DROP CONSTRAINT ck_point_lots_currency,
        DROP CONSTRAINT ck_point_lots_promotional,
        DROP CONSTRAINT ck_point_lots_source,
        DROP CONSTRAINT uq_point_lots_grant,
        DROP COLUMN frozen_at,
        DROP COLUMN moderator_share_bps,
        DROP COLUMN grant_id,
        ALTER COLUMN currency SET NOT NULL,
        ALTER COLUMN transaction_id SET NOT NULL`);
    await db.query(`DROP TABLE point_grants`);
    await db.query(`DROP INDEX ix_ledger_transfers_money_debit`);
    await db.query(`DROP INDEX ix_ledger_transfers_money_credit`);
    // Grant transfers stay in the append-only ledger; the older constraint is restored without checking them.
    await db.query(`ALTER TABLE ledger_transfers DROP CONSTRAINT ck_ledger_transfers_kind`);
    await db.query(`
      ALTER TABLE ledger_transfers ADD CONSTRAINT ck_ledger_transfers_kind
        CHECK (kind IN ('purchase', 'attribution', 'hold', 'release', 'reversal', 'restore', 'spend')) NOT VALID`);
    await db.query(`ALTER TABLE ledger_transfers DROP CONSTRAINT ck_ledger_transfers_money`);
    await db.query(`ALTER TABLE ledger_transfers DROP COLUMN currency, DROP COLUMN money_cents`);
  }
}
