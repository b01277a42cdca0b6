import { Injectable } from '@nestjs/common';
import { LotEntryKind } from '../entities/point-lot.entity';
import { debtOf, planRestore, Source, spendValue, takeInOrder } from './lot-plans';
import { FreezeChange, LotPrice, LotsRepository, LotSummary, MoneyTerms, NewLot, SpendAllocation, UnspentKinds } from './lots.repository';

export type { FreezeChange, LotSummary, MoneyTerms, NewLot, SpendAllocation, UnspentKinds } from './lots.repository';

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

/**
 * Keeps the lots of each interaction in step with its balance. Every method runs inside the
 * caller's transaction, after the caller locked the interaction (profile_client_interactions row)
 * and wrote the balance change: that lock serialises every change of the interaction's lots.
 */
@Injectable()
export class LotsService {
  constructor(private readonly lots: LotsRepository) {}

  /**
   * Credited purchases become lots, in the order given (oldest first), in one statement. Each first
   * pays off the debt of a negative balance: `balanceBefore` is the interaction's balance just
   * before that purchase was credited.
   */
  async openAll(lots: ReadonlyArray<NewLot & { balanceBefore: number }>): Promise<void> {
    await this.lots.insertAll(
      lots.map((lot) => ({
        transactionId: lot.transactionId,
        interactionId: lot.interactionId,
        moderatorId: lot.moderatorId,
        points: lot.points,
        amountCents: lot.amountCents,
        currency: lot.currency,
        moderatorShareBps: lot.moderatorShareBps,
        absorbed: Math.min(debtOf(lot.balanceBefore), lot.points),
      })),
    );
  }

  /** A grant's points become a lot of their own, with no money; like any credit, they first pay off a debt. */
  async openPromotional(lot: { grantId: string; interactionId: string; points: number; balanceBefore: number }): Promise<void> {
    await this.lots.insertPromotional({ ...lot, absorbed: Math.min(debtOf(lot.balanceBefore), lot.points) });
  }

  /**
   * Takes a spend's points from the lots, promotional ones first, then purchases oldest first, never
   * from a lot an early fraud warning froze (the caller checked that enough unfrozen points are left),
   * and records each part with its value.
   */
  async consume(interactionId: string, spendId: string, points: number): Promise<SpendAllocation[]> {
    const lots = (await this.lots.unspentInSpendOrder(interactionId)).filter((lot) => !lot.frozen);
    const plan = takeInOrder(
      lots.map((lot) => ({ lotId: lot.id, capacity: lot.remaining })),
      points,
    );
    if (plan.short > 0) throw new Error(`interaction ${interactionId}: its unfrozen lots hold ${points - plan.short} unspent points, less than the spend`);
    const byId = new Map(lots.map((lot) => [lot.id, lot]));
    const allocations = plan.takes.map((take) => {
      const lot = byId.get(take.lotId)!;
      const valueCents = spendValue(lot, lot.spent, take.points);
      const allocation: SpendAllocation = {
        transactionId: lot.transactionId,
        grantId: lot.grantId,
        promotional: lot.grantId !== null,
        points: take.points,
        valueCents,
        currency: lot.currency,
        moderatorId: lot.moderatorId,
      };
      return { take, valueCents, allocation };
    });
    await this.lots.shift(
      plan.takes,
      { remaining: -1, spent: 1 },
      LotEntryKind.Spend,
      `spend:${spendId}`,
      { spendId, values: allocations.map((entry) => entry.valueCents) },
    );
    return allocations.map((entry) => entry.allocation);
  }

  /**
   * Takes a reversed purchase's points back: from its own lot first, then the interaction's other
   * lots oldest first; what no lot holds any more was already spent, and the balance goes negative.
   */
  async takeBack(reversal: { transactionId: string; interactionId: string; points: number; key: string }): Promise<ReversalBreakdown> {
    const lots = await this.lots.reversibleOwnFirst(reversal.interactionId, reversal.transactionId);
    const own = lots.find((lot) => lot.own);
    const plan = takeInOrder(
      lots.map((lot) => ({ lotId: lot.id, capacity: lot.remaining })),
      reversal.points,
    );
    await this.lots.shift(plan.takes, { remaining: -1, taken: 1 }, LotEntryKind.Reversal, reversal.key);
    const fromOwnLot = plan.takes.find((take) => take.lotId === own?.id)?.points ?? 0;
    return {
      fromOwnLot,
      fromOtherLots: reversal.points - plan.short - fromOwnLot,
      unrecovered: plan.short,
      alreadySpent: own ? own.spent : 0,
    };
  }

  /**
   * Gives restored points back (a won dispute): the debt is paid off first, then the lots the
   * reversal took from are refilled (the others oldest first, the purchase's own lot last), then any
   * lot that lost points, newest first. A restore smaller than its reversal (part of the purchase was
   * refunded while the dispute held it) so leaves the refunded points taken from the purchase's own
   * lot, as a refund takes them.
   */
  async giveBack(
    restore: { transactionId: string; interactionId: string; points: number; key: string; reversalKey: string },
    balanceBefore: number,
  ): Promise<void> {
    const lots = await this.lots.takenNewestFirst(restore.interactionId, restore.reversalKey, restore.transactionId);
    const byReversal = lots
      .filter((lot) => lot.byReversal > 0)
      .reverse()
      .sort((a, b) => Number(a.own) - Number(b.own))
      .map((lot) => ({ lotId: lot.id, capacity: lot.byReversal }));
    const taken: Source[] = lots.map((lot) => ({ lotId: lot.id, capacity: lot.taken }));
    const plan = planRestore(restore.points, balanceBefore, byReversal, taken);
    if (plan.short > 0) throw new Error(`interaction ${restore.interactionId}: no lot can take back ${plan.short} restored points`);
    await this.lots.shift(plan.takes, { remaining: 1, taken: -1 }, LotEntryKind.Restore, restore.key);
  }

  /** What these purchases cost and when they were credited, by purchase id. */
  async pricesOf(transactionIds: readonly string[]): Promise<Map<string, LotPrice>> {
    return new Map((await this.lots.pricesOf(transactionIds)).map((price) => [price.transactionId, price]));
  }

  /** Held purchases now earned by a moderator. */
  attribute(transactionIds: readonly string[], moderatorId: string): Promise<void> {
    return this.lots.attributeHeld(transactionIds, moderatorId);
  }

  /** The allocations recorded for a spend, oldest lot first. */
  allocationsOf(spendId: string): Promise<SpendAllocation[]> {
    return this.lots.entriesOfSpend(spendId);
  }

  /** The currency and share of each of these purchases, by purchase id (purchases not credited yet are missing). */
  async moneyTermsOf(transactionIds: readonly string[]): Promise<Map<string, MoneyTerms>> {
    return new Map((await this.lots.moneyTermsOf(transactionIds)).map((terms) => [terms.transactionId, terms]));
  }

  /** Per interaction, its unspent promotional and frozen points (interactions with none are missing). */
  unspentKinds(interactionIds: readonly string[]): Promise<Map<string, UnspentKinds>> {
    return this.lots.unspentKinds(interactionIds);
  }

  /** The purchase's lot: its interaction, unspent points and whether it is frozen; null before it is credited. */
  lotOf(transactionId: string): Promise<{ interactionId: string; remaining: number; frozen: boolean } | null> {
    return this.lots.lotOf(transactionId);
  }

  /** An early fraud warning holds the purchase: no spend uses its unspent points. Under its interaction's lock. */
  freeze(transactionId: string): Promise<FreezeChange | null> {
    return this.lots.freeze(transactionId);
  }

  /** The warning no longer holds it. Under its interaction's lock. */
  unfreeze(transactionId: string): Promise<FreezeChange | null> {
    return this.lots.unfreeze(transactionId);
  }

  /** What became of the points of these purchases (those credited; others have no lot). */
  async summaries(transactionIds: readonly string[]): Promise<Map<string, LotSummary>> {
    const counts = await this.lots.countsOf(transactionIds);
    return new Map(counts.map((lot) => [lot.transactionId, lot]));
  }
}
