import { Injectable } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { LedgerReportsQueries, MoneyPosition } from '../points/ledger-reports.queries';
import { PayoutRunsRepository, PayoutSums } from './payout-runs.repository';

/** A moderator's money in one currency (SPEC §11), minor units. */
export interface ModeratorMoneyView {
  currency: string;
  /** Earnings still inside the maturity window (EARNINGS_MATURITY_DAYS). */
  pendingCents: number;
  /** Matured money less what was paid out and what pending payouts hold; negative: a debt that later earnings pay first. */
  availableCents: number;
  /** Paid out. */
  paidCents: number;
  /** Held by pending payouts (part of matured money, not of available). */
  inPayoutCents: number;
  /** Part of available money that early fraud warnings keep out of payouts. */
  frozenCents: number;
}

/** What a payout run may pay a moderator in one currency. */
export interface Payable {
  moderatorId: string;
  currency: string;
  amountCents: number;
}

/**
 * A moderator's money, from the ledger (the points module's LedgerReportsQueries: each purchase's share,
 * matured or pending, frozen or not) and from the payouts (this module). The ledger is the only
 * source of what was earned; payouts say what left.
 */
@Injectable()
export class ModeratorMoney {
  private readonly maturityDays: number;

  constructor(
    private readonly ledger: LedgerReportsQueries,
    private readonly payouts: PayoutRunsRepository,
    env: Env,
  ) {
    this.maturityDays = env.EARNINGS_MATURITY_DAYS;
  }

  /** The moderator's money per currency now (currencies they never earned nor were paid in are absent). */
  async of(moderatorId: string): Promise<ModeratorMoneyView[]> {
    const [positions, sums] = await Promise.all([this.ledger.moderatorMoney(moderatorId, new Date(), this.maturityDays), this.payouts.sums(moderatorId)]);
    const currencies = [...new Set([...positions.map((p) => p.currency), ...sums.map((s) => s.currency)])].sort();
    return currencies.map((currency) => {
      const position = positions.find((p) => p.currency === currency);
      const sum = sums.find((s) => s.currency === currency);
      const matured = position?.maturedCents ?? 0;
      const paid = sum?.paidCents ?? 0;
      const inPayout = sum?.pendingCents ?? 0;
      return {
        currency,
        pendingCents: position?.pendingCents ?? 0,
        availableCents: matured - paid - inPayout,
        paidCents: paid,
        inPayoutCents: inPayout,
        frozenCents: position?.frozenCents ?? 0,
      };
    });
  }

  /**
   * What a run with this `until` may pay each moderator, per currency: their matured money at
   * `until`, less what fraud warnings hold, less every payout paid or still pending; never more
   * than the same figure now (a refund since `until` lowers what is owed). Positive amounts only.
   */
  async payable(until: Date, now: Date): Promise<Payable[]> {
    // One after the other: a payout run asks inside its transaction, whose one connection cannot run
    // queries side by side (pg queued them, warning that pg 9 will refuse to).
    const atUntil = await this.ledger.moderatorMoney(null, until, this.maturityDays);
    const atNow = await this.ledger.moderatorMoney(null, now, this.maturityDays);
    const sums = await this.payouts.sums(null);
    const key = (item: { moderatorId: string; currency: string }) => `${item.moderatorId}:${item.currency}`;
    const free = (position: MoneyPosition) => position.maturedCents - position.frozenCents;
    const nowByKey = new Map(atNow.map((position) => [key(position), free(position)]));
    const sumsByKey = new Map<string, PayoutSums>(sums.map((sum) => [key(sum), sum]));
    return atUntil
      .map((position) => {
        const sum = sumsByKey.get(key(position));
        const owed = Math.min(free(position), nowByKey.get(key(position)) ?? 0);
        return { moderatorId: position.moderatorId, currency: position.currency, amountCents: owed - (sum?.paidCents ?? 0) - (sum?.pendingCents ?? 0) };
      })
      .filter((payable) => payable.amountCents > 0);
  }
}
