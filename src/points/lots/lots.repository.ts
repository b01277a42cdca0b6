import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { LotEntryKind } from '../entities/point-lot.entity';
import { Take } from './lot-plans';

export interface NewLot {
  transactionId: string;
  interactionId: string;
  moderatorId: string | null;
  points: number;
  amountCents: number;
  currency: string;
  /** The moderator's share in force when the purchase is credited: it stays with the purchase. */
  moderatorShareBps: number;
}

/** Where some spent points came from: a purchase, or promotional points (a grant). */
export interface SpendAllocation {
  /** The purchase; null for promotional points. */
  transactionId: string | null;
  /** The grant of promotional points; null for a purchase. */
  grantId: string | null;
  promotional: boolean;
  points: number;
  /** What these points cost the client (0 for promotional points). */
  valueCents: number;
  /** Null for promotional points. */
  currency: string | null;
  /** Who earned that purchase; null while its points are held for the next moderator, and for promotional points. */
  moderatorId: string | null;
}

export interface LotSummary {
  transactionId: string;
  remaining: number;
  spent: number;
  taken: number;
}

/** A credited purchase about to become a lot; `absorbed` of its points pay off the interaction's debt. */
export interface LotToOpen extends NewLot {
  absorbed: number;
}

export interface OpenLot {
  id: string;
  /** Null for promotional points. */
  transactionId: string | null;
  grantId: string | null;
  moderatorId: string | null;
  points: number;
  amountCents: number;
  currency: string | null;
  remaining: number;
  spent: number;
  /** An early fraud warning holds it: no spend may use it. */
  frozen: boolean;
}

export interface ReversibleLot {
  id: string;
  remaining: number;
  spent: number;
  /** The lot of the purchase being reversed. */
  own: boolean;
}

/** What a credited purchase's money is computed from: its currency and the share it was credited with. */
export interface MoneyTerms {
  transactionId: string;
  currency: string;
  /** Null: credited before shares existed; its transfers carry no money. */
  shareBps: number | null;
}

/** A lot frozen or unfrozen now. */
export interface FreezeChange {
  interactionId: string;
  /** Its unspent points: what the freeze holds, or what the unfreeze gives back. */
  remaining: number;
}

/** Per interaction: unspent points that are promotional, and unspent points an early fraud warning holds. */
export interface UnspentKinds {
  promotional: number;
  frozen: number;
}

export interface LotPrice {
  transactionId: string;
  amountCents: number;
  currency: string;
  creditedAt: Date;
}

export interface TakenLot {
  id: string;
  taken: number;
  /** What the reversal asked about took from this lot. */
  byReversal: number;
  /** The lot of the purchase being restored. */
  own: boolean;
}

/** Which parts of a lot grow (+1) or shrink (−1) when points move. */
export interface ShiftSigns {
  remaining: 1 | -1;
  spent?: 1;
  taken?: 1 | -1;
}

/** Every statement on `point_lots` and `point_lot_entries`, inside the caller's transaction. */
@Injectable()
export class LotsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /** Inserts the lots in the order given and, for those that absorbed a debt, their `absorb` entry: one statement. */
  async insertAll(lots: readonly LotToOpen[]): Promise<void> {
    if (lots.length === 0) return;
    const column = <T>(pick: (lot: LotToOpen) => T) => lots.map(pick);
    await this.transactions.manager.query(
      `WITH lot AS (
         INSERT INTO point_lots (transaction_id, interaction_id, moderator_id, points, amount_cents, currency, moderator_share_bps, remaining, taken)
         SELECT transaction_id, interaction_id, moderator_id, points, amount_cents, currency, share_bps, points - absorbed, absorbed
           FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::integer[])
                WITH ORDINALITY AS x(transaction_id, interaction_id, moderator_id, points, amount_cents, currency, absorbed, share_bps, n)
          ORDER BY n
         RETURNING id, transaction_id, taken
       )
       INSERT INTO point_lot_entries (lot_id, kind, points, source_key)
       SELECT id, '${LotEntryKind.Absorb}', taken, 'absorb:' || transaction_id FROM lot WHERE taken > 0`,
      [
        column((lot) => lot.transactionId),
        column((lot) => lot.interactionId),
        column((lot) => lot.moderatorId),
        column((lot) => lot.points),
        column((lot) => lot.amountCents),
        column((lot) => lot.currency),
        column((lot) => lot.absorbed),
        column((lot) => lot.moderatorShareBps),
      ],
    );
  }

  /** A grant's lot (no money, no share, no moderator) and, when it paid off a debt, its `absorb` entry: one statement. */
  async insertPromotional(lot: { grantId: string; interactionId: string; points: number; absorbed: number }): Promise<void> {
    await this.transactions.manager.query(
      `WITH lot AS (
         INSERT INTO point_lots (grant_id, interaction_id, points, amount_cents, remaining, taken)
         VALUES ($1::bigint, $2::bigint, $3::bigint, 0, $3::bigint - $4::bigint, $4::bigint)
         RETURNING id, grant_id, taken
       )
       INSERT INTO point_lot_entries (lot_id, kind, points, source_key)
       SELECT id, '${LotEntryKind.Absorb}', taken, 'absorb:grant:' || grant_id FROM lot WHERE taken > 0`,
      [lot.grantId, lot.interactionId, lot.points, lot.absorbed],
    );
  }
  /** The interaction's lots with unspent points in the order a spend uses them: promotional ones first, each kind oldest first. */
  async unspentInSpendOrder(interactionId: string): Promise<OpenLot[]> {
    const rows = await this.transactions.manager.query<
      Array<{
        id: string;
        transaction_id: string | null;
        grant_id: string | null;
        moderator_id: string | null;
        points: string;
        amount_cents: string;
        currency: string | null;
        remaining: string;
        spent: string;
        frozen: boolean;
      }>
    >(
      `SELECT id, transaction_id, grant_id, moderator_id, points, amount_cents, currency, remaining, spent, frozen_at IS NOT NULL AS frozen
         FROM point_lots WHERE interaction_id = $1 AND remaining > 0 ORDER BY grant_id IS NULL, id`,
      [interactionId],
    );
    return rows.map((row) => ({
      id: row.id,
      transactionId: row.transaction_id,
      grantId: row.grant_id,
      moderatorId: row.moderator_id,
      points: Number(row.points),
      amountCents: Number(row.amount_cents),
      currency: row.currency,
      remaining: Number(row.remaining),
      spent: Number(row.spent),
      frozen: row.frozen,
    }));
  }

  /** The unspent points of these interactions that are promotional, and that are frozen, by interaction id (those with none are missing). */
  async unspentKinds(interactionIds: readonly string[]): Promise<Map<string, UnspentKinds>> {
    if (interactionIds.length === 0) return new Map();
    const rows = await this.transactions.manager.query<Array<{ interaction_id: string; promotional: string; frozen: string }>>(
      `SELECT interaction_id,
              coalesce(sum(remaining) FILTER (WHERE grant_id IS NOT NULL), 0) AS promotional,
              coalesce(sum(remaining) FILTER (WHERE frozen_at IS NOT NULL), 0) AS frozen
         FROM point_lots WHERE interaction_id = ANY($1::bigint[]) AND remaining > 0
        GROUP BY interaction_id`,
      [interactionIds],
    );
    return new Map(rows.map((row) => [row.interaction_id, { promotional: Number(row.promotional), frozen: Number(row.frozen) }]));
  }

  /**
   * The lots a reversal of `transactionId` may take from: the purchase's own lot first, then the
   * other purchases' unspent points oldest first (those no fraud warning holds before those it
   * does), and promotional points last: a refund takes them only for points of the purchase the
   * client had already spent, when nothing else is left.
   */
  async reversibleOwnFirst(interactionId: string, transactionId: string): Promise<ReversibleLot[]> {
    const rows = await this.transactions.manager.query<Array<{ id: string; remaining: string; spent: string; own: boolean }>>(
      `SELECT id, remaining, spent, transaction_id IS NOT DISTINCT FROM $2::bigint AS own FROM point_lots
        WHERE interaction_id = $1 AND (remaining > 0 OR transaction_id = $2)
        ORDER BY transaction_id IS NOT DISTINCT FROM $2::bigint DESC, grant_id IS NOT NULL, frozen_at IS NOT NULL, id`,
      [interactionId, transactionId],
    );
    return rows.map((row) => ({ id: row.id, remaining: Number(row.remaining), spent: Number(row.spent), own: row.own }));
  }

  /**
   * The interaction's lots that lost points, newest first, with what the reversal `reversalKey` took
   * from each, and which one is the lot of the purchase `transactionId`.
   */
  async takenNewestFirst(interactionId: string, reversalKey: string, transactionId: string): Promise<TakenLot[]> {
    const rows = await this.transactions.manager.query<Array<{ id: string; taken: string; by_reversal: string; own: boolean }>>(
      `SELECT l.id, l.taken, coalesce(r.points, 0) AS by_reversal, l.transaction_id = $3 AS own
         FROM point_lots l
         LEFT JOIN (SELECT lot_id, sum(points) AS points FROM point_lot_entries
                     WHERE source_key = $2 AND kind = '${LotEntryKind.Reversal}' GROUP BY lot_id) r ON r.lot_id = l.id
        WHERE l.interaction_id = $1 AND l.taken > 0
        ORDER BY l.id DESC`,
      [interactionId, reversalKey, transactionId],
    );
    return rows.map((row) => ({ id: row.id, taken: Number(row.taken), byReversal: Number(row.by_reversal), own: row.own }));
  }

  /** Names the moderator on the lots of these purchases that are still held (no moderator yet). */
  async attributeHeld(transactionIds: readonly string[], moderatorId: string): Promise<void> {
    if (transactionIds.length === 0) return;
    await this.transactions.manager.query(`UPDATE point_lots SET moderator_id = $2 WHERE transaction_id = ANY($1::bigint[]) AND moderator_id IS NULL`, [
      transactionIds,
      moderatorId,
    ]);
  }

  /** The entries a spend recorded, with their lots' purchase (or grant), currency and moderator, in the order the spend took them. */
  async entriesOfSpend(spendId: string): Promise<SpendAllocation[]> {
    const rows = await this.transactions.manager.query<
      Array<{ transaction_id: string | null; grant_id: string | null; points: string; value_cents: string; currency: string | null; moderator_id: string | null }>
    >(
      `SELECT l.transaction_id, l.grant_id, e.points, e.value_cents, l.currency, l.moderator_id
         FROM point_lot_entries e JOIN point_lots l ON l.id = e.lot_id
        WHERE e.spend_id = $1 ORDER BY l.grant_id IS NULL, l.id`,
      [spendId],
    );
    return rows.map((row) => ({
      transactionId: row.transaction_id,
      grantId: row.grant_id,
      promotional: row.grant_id !== null,
      points: Number(row.points),
      valueCents: Number(row.value_cents),
      currency: row.currency,
      moderatorId: row.moderator_id,
    }));
  }

  /** The currency and share of each of these purchases' lots. */
  async moneyTermsOf(transactionIds: readonly string[]): Promise<MoneyTerms[]> {
    if (transactionIds.length === 0) return [];
    const rows = await this.transactions.manager.query<Array<{ transaction_id: string; currency: string; moderator_share_bps: number | null }>>(
      `SELECT transaction_id, currency, moderator_share_bps FROM point_lots WHERE transaction_id = ANY($1::bigint[])`,
      [transactionIds],
    );
    return rows.map((row) => ({ transactionId: row.transaction_id, currency: row.currency, shareBps: row.moderator_share_bps }));
  }

  /** Freezes the purchase's lot (unless it is frozen already); null when nothing changed. */
  async freeze(transactionId: string): Promise<FreezeChange | null> {
    const [row] = await this.transactions.manager.query<Array<{ interaction_id: string; remaining: string }>>(
      // In a WITH, so that the driver answers the rows themselves (for an UPDATE it adds the count).
      `WITH changed AS (UPDATE point_lots SET frozen_at = now() WHERE transaction_id = $1 AND frozen_at IS NULL RETURNING interaction_id, remaining)
       SELECT * FROM changed`,
      [transactionId],
    );
    return row ? { interactionId: row.interaction_id, remaining: Number(row.remaining) } : null;
  }

  /** Unfreezes the purchase's lot (if it is frozen); null when nothing changed. */
  async unfreeze(transactionId: string): Promise<FreezeChange | null> {
    const [row] = await this.transactions.manager.query<Array<{ interaction_id: string; remaining: string }>>(
      `WITH changed AS (UPDATE point_lots SET frozen_at = NULL WHERE transaction_id = $1 AND frozen_at IS NOT NULL RETURNING interaction_id, remaining)
       SELECT * FROM changed`,
      [transactionId],
    );
    return row ? { interactionId: row.interaction_id, remaining: Number(row.remaining) } : null;
  }

  /** The interaction and unspent points of a purchase's lot; null before it is credited. */
  async lotOf(transactionId: string): Promise<{ interactionId: string; remaining: number; frozen: boolean } | null> {
    const [row] = await this.transactions.manager.query<Array<{ interaction_id: string; remaining: string; frozen: boolean }>>(
      `SELECT interaction_id, remaining, frozen_at IS NOT NULL AS frozen FROM point_lots WHERE transaction_id = $1`,
      [transactionId],
    );
    return row ? { interactionId: row.interaction_id, remaining: Number(row.remaining), frozen: row.frozen } : null;
  }

  /** The price of each of these purchases and when its lot was opened (when it was credited). */
  async pricesOf(transactionIds: readonly string[]): Promise<LotPrice[]> {
    if (transactionIds.length === 0) return [];
    const rows = await this.transactions.manager.query<Array<{ transaction_id: string; amount_cents: string; currency: string; created_at: Date }>>(
      `SELECT transaction_id, amount_cents, currency, created_at FROM point_lots WHERE transaction_id = ANY($1::bigint[])`,
      [transactionIds],
    );
    return rows.map((row) => ({ transactionId: row.transaction_id, amountCents: Number(row.amount_cents), currency: row.currency, creditedAt: row.created_at }));
  }

  /** The counts of the lots of these purchases (those credited; others have no lot). */
  async countsOf(transactionIds: readonly string[]): Promise<LotSummary[]> {
    if (transactionIds.length === 0) return [];
    const rows = await this.transactions.manager.query<Array<{ transaction_id: string; remaining: string; spent: string; taken: string }>>(
      `SELECT transaction_id, remaining, spent, taken FROM point_lots WHERE transaction_id = ANY($1::bigint[])`,
      [transactionIds],
    );
    return rows.map((row) => ({ transactionId: row.transaction_id, remaining: Number(row.remaining), spent: Number(row.spent), taken: Number(row.taken) }));
  }

  /**
   * Moves points between the parts of several lots and records one entry per lot: one UPDATE and
   * one INSERT whatever the number of lots. A spend's entries carry its id and their values, in
   * the order of `takes`.
   */
  async shift(takes: readonly Take[], signs: ShiftSigns, kind: LotEntryKind, sourceKey: string, spend?: { spendId: string; values: number[] }): Promise<void> {
    if (takes.length === 0) return;
    const ids = takes.map((take) => take.lotId);
    const points = takes.map((take) => take.points);
    await this.transactions.manager.query(
      `UPDATE point_lots l
          SET remaining = l.remaining + $3 * x.points,
              spent = l.spent + $4 * x.points,
              taken = l.taken + $5 * x.points
         FROM unnest($1::bigint[], $2::bigint[]) AS x(id, points)
        WHERE l.id = x.id`,
      [ids, points, signs.remaining, signs.spent ?? 0, signs.taken ?? 0],
    );
    await this.transactions.manager.query(
      `INSERT INTO point_lot_entries (lot_id, kind, points, source_key, spend_id, value_cents)
       SELECT x.id, $3, x.points, $4, $5, x.value FROM unnest($1::bigint[], $2::bigint[], $6::bigint[]) AS x(id, points, value)`,
      [ids, points, kind, sourceKey, spend?.spendId ?? null, spend ? spend.values : ids.map(() => null)],
    );
  }
}
