import type { AccountMovement, AccountTotals } from '../../points/ledger-reports.queries';
import { TransferKind } from '../../points/transfer-kind';
import type { Payout } from '../payout-runs.repository';

export type StatementLanguage = 'en' | 'fr';

export type StatementLineKind = 'earning' | 'reversal' | 'restore' | 'payout';

/** One movement of the month: an earning, a reversal, a restore (dispute won) or a payout. */
export interface StatementLine {
  at: string;
  kind: StatementLineKind;
  /** A reversal's cause. */
  reason: 'refund' | 'dispute' | null;
  transactionId: string | null;
  profileId: string | null;
  profileName: string | null;
  payoutId: string | null;
  /** Signed: + to the moderator, − taken back. A payout moves no points. */
  points: number;
  /** Signed money, minor units of `currency`; 0 for a purchase credited before shares existed. */
  amountCents: number;
  /** Null only for the points of a purchase credited before shares existed. */
  currency: string | null;
  /** The moderator's money balance in `currency` after this line: earned less paid out. */
  balanceCents: number | null;
  /** What the moderator owes after this line (a reversal after a payout), in `currency`; 0 when nothing. */
  debtCents: number;
  /** Of an earning made while in debt, the part that paid the debt off. */
  debtRepaidCents: number;
}

/** The money balance in one currency at a boundary of the month. */
export interface StatementMoney {
  currency: string;
  /** Earned less paid out; negative: a debt. */
  balanceCents: number;
  debtCents: number;
}

export interface StatementTotals {
  currency: string;
  earnedCents: number;
  reversedCents: number;
  paidOutCents: number;
}

/** A moderator's statement of one UTC month: the one model the JSON, CSV and PDF are made from. */
export interface Statement {
  moderatorId: string;
  moderatorName: string;
  month: string;
  from: string;
  to: string;
  generatedAt: string;
  language: StatementLanguage;
  opening: { points: number; money: StatementMoney[] };
  lines: StatementLine[];
  totals: { earnedPoints: number; reversedPoints: number; money: StatementTotals[] };
  closing: { points: number; money: StatementMoney[] };
}

export interface StatementFacts {
  moderator: { id: string; name: string };
  month: string;
  from: Date;
  to: Date;
  generatedAt: Date;
  language: StatementLanguage;
  /** The moderator's ledger account before `from`. */
  openingLedger: AccountTotals;
  /** Payouts paid before `from`, per currency. */
  paidBefore: ReadonlyMap<string, number>;
  /** The account's transfers in the month, oldest first. */
  movements: readonly AccountMovement[];
  /** Payouts paid in the month, oldest first. */
  payouts: readonly Payout[];
  profileNames: ReadonlyMap<string, string>;
}

const KIND_OF: Partial<Record<TransferKind, StatementLineKind>> = {
  [TransferKind.Attribution]: 'earning',
  [TransferKind.Release]: 'earning',
  [TransferKind.Restore]: 'restore',
  [TransferKind.Reversal]: 'reversal',
};

/**
 * The statement, from the ledger's movements and the payouts, pure. The money balance is what was
 * earned less what was paid out (pending earnings included): it goes negative when a reversal
 * takes back money already paid, and that debt is shown on the line that made it and paid off by
 * the next earnings first. Its sums are the ledger's: opening + Σ lines = closing, per currency.
 */
export function buildStatement(facts: StatementFacts): Statement {
  const balances = new Map<string, number>();
  for (const { currency, cents } of facts.openingLedger.money) balances.set(currency, cents);
  for (const [currency, paid] of facts.paidBefore) balances.set(currency, (balances.get(currency) ?? 0) - paid);
  const opening = { points: facts.openingLedger.points, money: moneyOf(balances) };

  const events: Array<{ at: Date; order: string; line: Omit<StatementLine, 'balanceCents' | 'debtCents' | 'debtRepaidCents'> }> = [
    ...facts.movements.map((movement) => ({
      at: movement.createdAt,
      order: `0:${movement.id.padStart(20, '0')}`,
      line: {
        at: movement.createdAt.toISOString(),
        kind: KIND_OF[movement.kind] ?? 'earning',
        reason: movement.reason,
        transactionId: movement.transactionId,
        profileId: movement.profileId,
        profileName: movement.profileId === null ? null : (facts.profileNames.get(movement.profileId) ?? null),
        payoutId: null,
        points: movement.points,
        amountCents: movement.moneyCents ?? 0,
        currency: movement.currency,
      },
    })),
    ...facts.payouts.map((payout) => ({
      at: payout.paidAt!,
      order: `1:${payout.id.padStart(20, '0')}`,
      line: {
        at: payout.paidAt!.toISOString(),
        kind: 'payout' as const,
        reason: null,
        transactionId: null,
        profileId: null,
        profileName: null,
        payoutId: payout.id,
        points: 0,
        amountCents: -payout.amountCents,
        currency: payout.currency,
      },
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.order < b.order ? -1 : 1));

  let points = opening.points;
  let earnedPoints = 0;
  let reversedPoints = 0;
  const totals = new Map<string, StatementTotals>();
  const lines = events.map(({ line }): StatementLine => {
    points += line.points;
    if (line.points > 0) earnedPoints += line.points;
    else reversedPoints -= line.points;
    if (line.currency === null) return { ...line, balanceCents: null, debtCents: 0, debtRepaidCents: 0 };
    const before = balances.get(line.currency) ?? 0;
    const after = before + line.amountCents;
    balances.set(line.currency, after);
    const total = totals.get(line.currency) ?? { currency: line.currency, earnedCents: 0, reversedCents: 0, paidOutCents: 0 };
    if (line.kind === 'payout') total.paidOutCents -= line.amountCents;
    else if (line.amountCents >= 0) total.earnedCents += line.amountCents;
    else total.reversedCents -= line.amountCents;
    totals.set(line.currency, total);
    const debtRepaidCents = line.amountCents > 0 && before < 0 ? Math.min(line.amountCents, -before) : 0;
    return { ...line, balanceCents: after, debtCents: Math.max(0, -after), debtRepaidCents };
  });

  return {
    moderatorId: facts.moderator.id,
    moderatorName: facts.moderator.name,
    month: facts.month,
    from: facts.from.toISOString(),
    to: facts.to.toISOString(),
    generatedAt: facts.generatedAt.toISOString(),
    language: facts.language,
    opening,
    lines,
    totals: { earnedPoints, reversedPoints, money: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)) },
    closing: { points, money: moneyOf(balances) },
  };
}

function moneyOf(balances: ReadonlyMap<string, number>): StatementMoney[] {
  return [...balances.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, balanceCents]) => ({ currency, balanceCents, debtCents: Math.max(0, -balanceCents) }));
}

/** The month `YYYY-MM` as [first instant, first instant of the next month), UTC. */
export function monthBounds(month: string): { from: Date; to: Date } {
  const [year, number] = month.split('-').map(Number);
  return { from: new Date(Date.UTC(year, number - 1, 1)), to: new Date(Date.UTC(year, number, 1)) };
}
