import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { LotEntryKind } from '../entities/point-lot.entity';
import { Take } from './lot-plans';
import type { LotSummary, NewLot, SpendAllocation } from './lots.service';

/** A credited purchase about to become a lot; `absorbed` of its points pay off the conversation's debt. */
export interface LotToOpen extends NewLot {
  absorbed: number;
}

export interface OpenLot {
  id: string;
  transactionId: string;
  moderatorId: string | null;
  points: number;
  amountCents: number;
  currency: string;
  remaining: number;
  spent: number;
}

export interface ReversibleLot {
  id: string;
  remaining: number;
  spent: number;
  /** The lot of the purchase being reversed. */
  own: boolean;
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
         INSERT INTO point_lots (transaction_id, interaction_id, moderator_id, points, amount_cents, currency, remaining, taken)
         SELECT transaction_id, interaction_id, moderator_id, points, amount_cents, currency, points - absorbed, absorbed
           FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[])
                WITH ORDINALITY AS x(transaction_id, interaction_id, moderator_id, points, amount_cents, currency, absorbed, n)
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
      ],
    );
  }

  /** The conversation's lots with unspent points, oldest first. */
  async unspentOldestFirst(interactionId: string): Promise<OpenLot[]> {
    const rows = await this.transactions.manager.query<
      Array<{ id: string; transaction_id: string; moderator_id: string | null; points: string; amount_cents: string; currency: string; remaining: string; spent: string }>
    >(
      `SELECT id, transaction_id, moderator_id, points, amount_cents, currency, remaining, spent
         FROM point_lots WHERE interaction_id = $1 AND remaining > 0 ORDER BY id`,
      [interactionId],
    );
    return rows.map((row) => ({
      id: row.id,
      transactionId: row.transaction_id,
      moderatorId: row.moderator_id,
      points: Number(row.points),
      amountCents: Number(row.amount_cents),
      currency: row.currency,
      remaining: Number(row.remaining),
      spent: Number(row.spent),
    }));
  }

  /** The lots a reversal of `transactionId` may take from: the purchase's own lot first, then the others with unspent points, oldest first. */
  async reversibleOwnFirst(interactionId: string, transactionId: string): Promise<ReversibleLot[]> {
    const rows = await this.transactions.manager.query<Array<{ id: string; remaining: string; spent: string; own: boolean }>>(
      `SELECT id, remaining, spent, transaction_id = $2 AS own FROM point_lots
        WHERE interaction_id = $1 AND (remaining > 0 OR transaction_id = $2)
        ORDER BY transaction_id = $2 DESC, id`,
      [interactionId, transactionId],
    );
    return rows.map((row) => ({ id: row.id, remaining: Number(row.remaining), spent: Number(row.spent), own: row.own }));
  }

  /**
   * The conversation's lots that lost points, newest first, with what the reversal `reversalKey` took
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

  /** The entries a spend recorded, with their lots' purchase, currency and moderator, oldest lot first. */
  async entriesOfSpend(spendId: string): Promise<SpendAllocation[]> {
    const rows = await this.transactions.manager.query<Array<{ transaction_id: string; points: string; value_cents: string; currency: string; moderator_id: string | null }>>(
      `SELECT l.transaction_id, e.points, e.value_cents, l.currency, l.moderator_id
         FROM point_lot_entries e JOIN point_lots l ON l.id = e.lot_id
        WHERE e.spend_id = $1 ORDER BY l.id`,
      [spendId],
    );
    return rows.map((row) => ({
      transactionId: row.transaction_id,
      points: Number(row.points),
      valueCents: Number(row.value_cents),
      currency: row.currency,
      moderatorId: row.moderator_id,
    }));
  }

  /** The counts of the lots of these purchases (those credited; others have no lot). */
  /** The price of each of these purchases and when its lot was opened (when it was credited). */
  async pricesOf(transactionIds: readonly string[]): Promise<LotPrice[]> {
    if (transactionIds.length === 0) return [];
    const rows = await this.transactions.manager.query<Array<{ transaction_id: string; amount_cents: string; currency: string; created_at: Date }>>(
      `SELECT transaction_id, amount_cents, currency, created_at FROM point_lots WHERE transaction_id = ANY($1::bigint[])`,
      [transactionIds],
    );
    return rows.map((row) => ({ transactionId: row.transaction_id, amountCents: Number(row.amount_cents), currency: row.currency, creditedAt: row.created_at }));
  }

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
