import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each credited purchase is a lot of points. A lot's points are, at every moment, either still
 * `remaining`, `spent`, or `taken` back by a reversal (refund, dispute, or a debt the lot paid off);
 * a CHECK keeps the three summing to the lot's points. `point_lot_entries` records every change of a
 * lot: which spend consumed it and for what value, which reversal took from it, which restore gave
 * back. Purchases credited before this migration get their lots here, rebuilt from the balances:
 * the newest purchases hold what is still unspent; of the rest of a purchase, what its refunds and
 * disputes reversed was taken (less a negative balance, which they caused) and the remainder spent;
 * one `backfill` entry per part.
 */
export class PointLots1764400000000 implements MigrationInterface {
  name = 'PointLots1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE point_lots (
        id              bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_point_lots PRIMARY KEY,
        transaction_id  bigint      NOT NULL CONSTRAINT fk_point_lots_transaction REFERENCES profile_point_transactions (id),
        interaction_id  bigint      NOT NULL CONSTRAINT fk_point_lots_interaction REFERENCES profile_client_interactions (id),
        moderator_id    bigint      NULL CONSTRAINT fk_point_lots_moderator REFERENCES users (id),
        points          bigint      NOT NULL,
        amount_cents    bigint      NOT NULL,
        currency        text        NOT NULL,
        remaining       bigint      NOT NULL,
        spent           bigint      NOT NULL DEFAULT 0,
        taken           bigint      NOT NULL DEFAULT 0,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_point_lots_transaction UNIQUE (transaction_id),
        CONSTRAINT ck_point_lots_points CHECK (points > 0 AND amount_cents >= 0),
        CONSTRAINT ck_point_lots_parts CHECK (remaining >= 0 AND spent >= 0 AND taken >= 0 AND remaining + spent + taken = points)
      )`);
    // Spends and reversals read the open lots of one conversation, oldest first.
    await db.query(`CREATE INDEX ix_point_lots_open ON point_lots (interaction_id, id) WHERE remaining > 0`);
    // Restores look for lots that lost points.
    await db.query(`CREATE INDEX ix_point_lots_taken ON point_lots (interaction_id, id) WHERE taken > 0`);

    await db.query(`
      CREATE TABLE point_lot_entries (
        id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_point_lot_entries PRIMARY KEY,
        lot_id       bigint      NOT NULL CONSTRAINT fk_point_lot_entries_lot REFERENCES point_lots (id),
        kind         text        NOT NULL,
        points       bigint      NOT NULL,
        value_cents  bigint      NULL,
        spend_id     bigint      NULL CONSTRAINT fk_point_lot_entries_spend REFERENCES point_spends (id),
        source_key   text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_point_lot_entries_kind CHECK (kind IN ('spend', 'reversal', 'absorb', 'restore')),
        CONSTRAINT ck_point_lot_entries_points CHECK (points > 0),
        CONSTRAINT uq_point_lot_entries_source UNIQUE (source_key, kind, lot_id)
      )`);
    await db.query(`CREATE INDEX ix_point_lot_entries_lot ON point_lot_entries (lot_id, id)`);
    await db.query(`CREATE INDEX ix_point_lot_entries_spend ON point_lot_entries (spend_id) WHERE spend_id IS NOT NULL`);

    await db.query(`
      WITH credited AS (
        SELECT t.id, i.id AS interaction_id, t.moderator_id, t.points_amount AS points, t.amount_cents, t.currency,
               t.refunded_points + t.disputed_points AS reversed, coalesce(t.credited_at, t.created_at) AS credited_at,
               greatest(i.points_balance, 0) AS unspent,
               coalesce(sum(t.points_amount) OVER (
                 PARTITION BY i.id ORDER BY coalesce(t.credited_at, t.created_at) DESC, t.id DESC
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS newer
          FROM profile_point_transactions t
          JOIN profile_client_interactions i ON i.client_id = t.client_id AND i.profile_id = t.profile_id
         WHERE t.status IN ('completed', 'refunded')
      ), unspent AS (
        SELECT *, least(points, greatest(unspent - newer, 0)) AS remaining FROM credited
      ), reversed AS (
        SELECT *, least(points - remaining, reversed) AS taken_at_most,
               coalesce(sum(least(points - remaining, reversed)) OVER (
                 PARTITION BY interaction_id ORDER BY credited_at DESC, id DESC
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS newer_taken
          FROM unspent
      ), shaped AS (
        -- A negative balance is points reversed that no lot held any more: the newest lots' reversed
        -- parts become that debt, and what remains of each reversal was taken from the lot.
        SELECT r.*, r.taken_at_most - least(r.taken_at_most, greatest(greatest(-i.points_balance, 0) - r.newer_taken, 0)) AS taken
          FROM reversed r JOIN profile_client_interactions i ON i.id = r.interaction_id
      )
      INSERT INTO point_lots (transaction_id, interaction_id, moderator_id, points, amount_cents, currency, remaining, taken, spent, created_at)
      SELECT id, interaction_id, moderator_id, points, amount_cents, currency, remaining, taken, points - remaining - taken, credited_at
        FROM shaped ORDER BY credited_at, id`);
    await db.query(`
      INSERT INTO point_lot_entries (lot_id, kind, points, source_key)
      SELECT id, 'spend', spent, 'backfill' FROM point_lots WHERE spent > 0
      UNION ALL
      SELECT id, 'reversal', taken, 'backfill' FROM point_lots WHERE taken > 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE point_lot_entries`);
    await db.query(`DROP TABLE point_lots`);
  }
}
