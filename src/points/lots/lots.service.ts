import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { LotEntryKind } from '../entities/point-lot.entity';
import { debtOf, planRestore, Source, spendValue, Take, takeInOrder } from './lot-plans';

export interface NewLot {
  transactionId: string;
  interactionId: string;
  moderatorId: string | null;
  points: number;
  amountCents: number;
  currency: string;
}

/** Where some spent points came from. */
export interface SpendAllocation {
  transactionId: string;
  points: number;
  valueCents: number;
  currency: string;
  /** Who earned that purchase; null while its points are held for the next moderator. */
  moderatorId: string | null;
}

/** How a reversal of one purchase was covered. */
export interface ReversalBreakdown {
  /** Taken from the purchase's own unspent points. */
  fromOwnLot: number;
  /** Taken from the client's other purchases for the profile, oldest first. */
  fromOtherLots: number;
  /** Not covered by any unspent point: the balance went (further) negative by this much. */
  unrecovered: number;
  /** Points of the purchase the client had already spent when it was reversed. */
  alreadySpent: number;
}

export interface LotSummary {
  transactionId: string;
  remaining: number;
  spent: number;
  taken: number;
}

interface OpenLotRow {
  id: string;
  transaction_id: string;
  moderator_id: string | null;
  points: string;
  amount_cents: string;
  currency: string;
  remaining: string;
  spent: string;
}

/**
 * Keeps the lots of each conversation in step with its balance. Every method runs inside the
 * caller's transaction, after the caller locked the conversation (profile_client_interactions row)
 * and wrote the balance change: that lock serialises every change of the conversation's lots.
 */
@Injectable()
export class LotsService {
  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * Credited purchases become lots, in the order given (oldest first), in one statement. Each first
   * pays off the debt of a negative balance: `balanceBefore` is the conversation's balance just
   * before that purchase was credited.
   */
  async openAll(lots: ReadonlyArray<NewLot & { balanceBefore: number }>): Promise<void> {
    if (lots.length === 0) return;
    const column = <T>(pick: (lot: NewLot & { balanceBefore: number }) => T) => lots.map(pick);
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
        column((lot) => Math.min(debtOf(lot.balanceBefore), lot.points)),
      ],
    );
  }

  /** Takes a spend's points from the oldest lots first and records each part with its value. */
  async consume(interactionId: string, spendId: string, points: number): Promise<SpendAllocation[]> {
    const lots = await this.openLots(interactionId);
    const plan = takeInOrder(
      lots.map((lot) => ({ lotId: lot.id, capacity: Number(lot.remaining) })),
      points,
    );
    if (plan.short > 0) throw new Error(`conversation ${interactionId}: its lots hold ${points - plan.short} unspent points, less than the balance`);
    const byId = new Map(lots.map((lot) => [lot.id, lot]));
    const allocations = plan.takes.map((take) => {
      const lot = byId.get(take.lotId)!;
      const valueCents = spendValue({ amountCents: Number(lot.amount_cents), points: Number(lot.points) }, Number(lot.spent), take.points);
      return { take, valueCents, allocation: { transactionId: lot.transaction_id, points: take.points, valueCents, currency: lot.currency, moderatorId: lot.moderator_id } };
    });
    await this.shift(
      plan.takes,
      { remaining: -1, spent: 1 },
      LotEntryKind.Spend,
      `spend:${spendId}`,
      { spendId, values: allocations.map((entry) => entry.valueCents) },
    );
    return allocations.map((entry) => entry.allocation);
  }

  /**
   * Takes a reversed purchase's points back: from its own lot first, then the conversation's other
   * lots oldest first; what no lot holds any more was already spent, and the balance goes negative.
   */
  async takeBack(reversal: { transactionId: string; interactionId: string; points: number; key: string }): Promise<ReversalBreakdown> {
    const lots = await this.transactions.manager.query<Array<{ id: string; remaining: string; spent: string; own: boolean }>>(
      `SELECT id, remaining, spent, transaction_id = $2 AS own FROM point_lots
        WHERE interaction_id = $1 AND (remaining > 0 OR transaction_id = $2)
        ORDER BY transaction_id = $2 DESC, id`,
      [reversal.interactionId, reversal.transactionId],
    );
    const own = lots.find((lot) => lot.own);
    const plan = takeInOrder(
      lots.map((lot) => ({ lotId: lot.id, capacity: Number(lot.remaining) })),
      reversal.points,
    );
    await this.shift(plan.takes, { remaining: -1, taken: 1 }, LotEntryKind.Reversal, reversal.key);
    const fromOwnLot = plan.takes.find((take) => take.lotId === own?.id)?.points ?? 0;
    return {
      fromOwnLot,
      fromOtherLots: reversal.points - plan.short - fromOwnLot,
      unrecovered: plan.short,
      alreadySpent: own ? Number(own.spent) : 0,
    };
  }

  /**
   * Gives restored points back (a won dispute): the debt is paid off first, then the lots the
   * reversal took from are refilled, then any lot that lost points, newest first.
   */
  async giveBack(restore: { interactionId: string; points: number; key: string; reversalKey: string }, balanceBefore: number): Promise<void> {
    const lots = await this.transactions.manager.query<Array<{ id: string; taken: string; by_reversal: string }>>(
      `SELECT l.id, l.taken, coalesce(r.points, 0) AS by_reversal
         FROM point_lots l
         LEFT JOIN (SELECT lot_id, sum(points) AS points FROM point_lot_entries
                     WHERE source_key = $2 AND kind = '${LotEntryKind.Reversal}' GROUP BY lot_id) r ON r.lot_id = l.id
        WHERE l.interaction_id = $1 AND l.taken > 0
        ORDER BY l.id DESC`,
      [restore.interactionId, restore.reversalKey],
    );
    const byReversal = lots
      .filter((lot) => Number(lot.by_reversal) > 0)
      .reverse()
      .map((lot) => ({ lotId: lot.id, capacity: Number(lot.by_reversal) }));
    const taken: Source[] = lots.map((lot) => ({ lotId: lot.id, capacity: Number(lot.taken) }));
    const plan = planRestore(restore.points, balanceBefore, byReversal, taken);
    if (plan.short > 0) throw new Error(`conversation ${restore.interactionId}: no lot can take back ${plan.short} restored points`);
    await this.shift(plan.takes, { remaining: 1, taken: -1 }, LotEntryKind.Restore, restore.key);
  }

  /** Held purchases now earned by a moderator. */
  async attribute(transactionIds: readonly string[], moderatorId: string): Promise<void> {
    if (transactionIds.length === 0) return;
    await this.transactions.manager.query(`UPDATE point_lots SET moderator_id = $2 WHERE transaction_id = ANY($1::bigint[]) AND moderator_id IS NULL`, [
      transactionIds,
      moderatorId,
    ]);
  }

  /** The allocations recorded for a spend, oldest lot first. */
  async allocationsOf(spendId: string): Promise<SpendAllocation[]> {
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

  /** What became of the points of these purchases (those credited; others have no lot). */
  async summaries(transactionIds: readonly string[]): Promise<Map<string, LotSummary>> {
    if (transactionIds.length === 0) return new Map();
    const rows = await this.transactions.manager.query<Array<{ transaction_id: string; remaining: string; spent: string; taken: string }>>(
      `SELECT transaction_id, remaining, spent, taken FROM point_lots WHERE transaction_id = ANY($1::bigint[])`,
      [transactionIds],
    );
    return new Map(
      rows.map((row) => [
        row.transaction_id,
        { transactionId: row.transaction_id, remaining: Number(row.remaining), spent: Number(row.spent), taken: Number(row.taken) },
      ]),
    );
  }

  private openLots(interactionId: string): Promise<OpenLotRow[]> {
    return this.transactions.manager.query<OpenLotRow[]>(
      `SELECT id, transaction_id, moderator_id, points, amount_cents, currency, remaining, spent
         FROM point_lots WHERE interaction_id = $1 AND remaining > 0 ORDER BY id`,
      [interactionId],
    );
  }

  /**
   * Moves points between the parts of several lots and records one entry per lot: one UPDATE and
   * one INSERT whatever the number of lots. `signs` says which parts grow (+1) or shrink (−1).
   */
  private async shift(
    takes: readonly Take[],
    signs: { remaining: 1 | -1; spent?: 1; taken?: 1 | -1 },
    kind: LotEntryKind,
    sourceKey: string,
    spend?: { spendId: string; values: number[] },
  ): Promise<void> {
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
