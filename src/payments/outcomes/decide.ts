import type Stripe from 'stripe';
import type { PaymentFailureReason, ReversalReason } from '../../events/event-map';
import type { Purchase } from '../entities/purchase.entity';
import { chargeableStep } from '../../common/currencies';
import { CHECKOUT_CANCELLED, CHECKOUT_SESSION_NOT_CREATED, DisputeStatus, FraudWarningStatus, PurchaseStatus } from '../purchase-status';
import type { PurchaseColumns } from '../purchase-changes';

export type SessionOutcomeTrigger =
  | 'checkout.session.completed'
  | 'checkout.session.async_payment_succeeded'
  | 'checkout.session.async_payment_failed'
  | 'checkout.session.expired';

export type Outcome =
  | 'credited'
  | 'awaiting_payment'
  | 'already_final'
  | 'failed'
  | 'expired'
  | 'amount_mismatch'
  | 'currency_mismatch'
  | 'refunded'
  | 'partially_refunded'
  | 'disputed'
  | 'dispute_won'
  | 'dispute_lost'
  | 'already_applied'
  | 'not_credited'
  | 'unknown_transaction'
  | 'frozen';

/** What a decision reads of a purchase: its current state, as locked by the caller. */
export type PurchaseState = Readonly<
  Pick<
    Purchase,
    | 'id'
    | 'status'
    | 'pointsAmount'
    | 'amountCents'
    | 'currency'
    | 'stripeAmountPaidCents'
    | 'stripeAmountRefundedCents'
    | 'refundedPoints'
    | 'disputedPoints'
    | 'disputeId'
    | 'disputeStatus'
    | 'failureReason'
    | 'fraudWarningId'
    | 'fraudWarningStatus'
  >
>;

/** Stripe's `radar.early_fraud_warning` object, the fields a decision reads. */
export interface EarlyFraudWarning {
  id: string;
  charge: string | { id: string };
  fraud_type?: string | null;
}

/** One thing Stripe says about a payment, with only the fields a decision reads. */
export type StripeFact =
  | {
      kind: 'session';
      trigger: SessionOutcomeTrigger;
      session: Pick<Stripe.Checkout.Session, 'id' | 'payment_intent' | 'payment_status' | 'amount_total' | 'currency'> &
        Partial<Pick<Stripe.Checkout.Session, 'expires_at'>>;
    }
  | { kind: 'refund'; charge: Pick<Stripe.Charge, 'id' | 'amount_refunded'> }
  | { kind: 'dispute_created'; dispute: Pick<Stripe.Dispute, 'id' | 'charge'> }
  | { kind: 'dispute_closed'; dispute: Pick<Stripe.Dispute, 'id' | 'status' | 'charge'> }
  /** A card issuer reported the charge as likely fraud; `autoRefund` is EFW_AUTO_REFUND. */
  | { kind: 'early_fraud_warning'; warning: EarlyFraudWarning; autoRefund: boolean };

export type Mismatch = 'amount_mismatch' | 'currency_mismatch';

/** What the caller carries out after staging the changes, in this order. */
export type Effect =
  /** The fact came before its payment was credited: refuse it so that Stripe delivers it again later. Always alone. */
  | { kind: 'retry_later' }
  /** Credit the purchase (with the other captures of the same batch). */
  | { kind: 'capture' }
  /** Paid, but not what the purchase asked for: someone must look. */
  | { kind: 'mismatch_alert'; mismatch: Mismatch; sessionId: string; paidCents: number | null; paidCurrency: string | null }
  /** Tell the client the purchase will not be credited. */
  | { kind: 'payment_failed'; reason: PaymentFailureReason }
  /**
   * Take points back from both sides; `netPaidCents`: what the client has paid for it once this
   * applies (the earner's money follows). No point (0) when a refund only lowers the money.
   */
  | { kind: 'reverse'; points: number; reason: ReversalReason; reversalKey: string; netPaidCents: number }
  /** Give back what a dispute took; no point (0) when it took only money. */
  | { kind: 'restore'; points: number; restoreKey: string; reversalKey: string; netPaidCents: number }
  /**
   * An early fraud warning holds the purchase: freeze its unspent points, hold its moderator's money
   * out of payouts, alert the admins; with `autoRefund`, refund at Stripe what the unspent points
   * cost (after commit: the amount is `fraudRefundCents` of the points the freeze found).
   */
  | { kind: 'freeze'; warningId: string; fraudType: string | null; autoRefund: boolean }
  /** The warning's hold ends (the purchase was refunded or disputed): unfreeze what is left. */
  | { kind: 'unfreeze' };

export interface Decision {
  outcome: Outcome;
  /** Columns of the purchase to change; absent ones keep their value. */
  changes: PurchaseColumns;
  effects: Effect[];
}

const CREDITED: ReadonlySet<PurchaseStatus> = new Set([PurchaseStatus.Completed, PurchaseStatus.Refunded]);

/**
 * What one Stripe fact does to a purchase in its current state: the outcome, the columns to change
 * and the effects to carry out. Pure: `now` is when the caller applies the fact (a credited
 * purchase's credited_at). Finding the purchase is the caller's job: a fact naming none of ours
 * is `unknown_transaction` without a decision. A `retry_later` decision changes nothing; its
 * outcome (`not_credited`) is never stored, because the caller refuses the fact.
 */
export function decide(purchase: PurchaseState, fact: StripeFact, now: Date): Decision {
  switch (fact.kind) {
    case 'session':
      return decideSession(purchase, fact.trigger, fact.session, now);
    case 'refund':
      return endingTheWarning(purchase, decideRefund(purchase, fact.charge), FraudWarningStatus.Refunded);
    case 'dispute_created':
      return endingTheWarning(purchase, decideDisputeCreated(purchase, fact.dispute), FraudWarningStatus.Disputed);
    case 'dispute_closed':
      return endingTheWarning(purchase, decideDisputeClosed(purchase, fact.dispute), FraudWarningStatus.Disputed);
    case 'early_fraud_warning':
      return decideEarlyFraudWarning(purchase, fact.warning, fact.autoRefund, now);
  }
}

/**
 * An early fraud warning: the card's issuer says the charge is likely fraud, days before most
 * fraud disputes. The purchase is held (`active`) until it is refunded, disputed or released. A
 * warning already recorded, one arriving while another holds the purchase, or one about a purchase
 * with nothing left to hold (fully refunded, disputed) changes nothing.
 */
function decideEarlyFraudWarning(purchase: PurchaseState, warning: EarlyFraudWarning, autoRefund: boolean, now: Date): Decision {
  const refused = refuseUncredited(purchase);
  if (refused) return refused;
  if (purchase.fraudWarningId === warning.id || purchase.fraudWarningStatus === FraudWarningStatus.Active) return unchanged('already_applied');
  if (purchase.status === PurchaseStatus.Refunded || purchase.disputeStatus === DisputeStatus.Open || purchase.disputeStatus === DisputeStatus.Lost) {
    return unchanged('already_final');
  }
  const chargeId = idOf(warning.charge);
  return {
    outcome: 'frozen',
    changes: {
      fraudWarningId: warning.id,
      fraudWarningStatus: FraudWarningStatus.Active,
      fraudWarnedAt: now,
      ...(chargeId !== null && { stripeChargeId: chargeId }),
    },
    effects: [{ kind: 'freeze', warningId: warning.id, fraudType: warning.fraud_type ?? null, autoRefund }],
  };
}

/**
 * A refund or dispute that took effect ends an active warning's hold: the points it reversed are
 * gone, what is left is the client's again, and the moderator's money follows the purchase's share.
 */
function endingTheWarning(purchase: PurchaseState, decision: Decision, becomes: FraudWarningStatus): Decision {
  const tookEffect = ['refunded', 'partially_refunded', 'disputed', 'dispute_lost'].includes(decision.outcome);
  if (purchase.fraudWarningStatus !== FraudWarningStatus.Active || !tookEffect) return decision;
  return { ...decision, changes: { ...decision.changes, fraudWarningStatus: becomes }, effects: [...decision.effects, { kind: 'unfreeze' }] };
}

/**
 * The largest refund, in minor units, whose reversal takes back no more points than `unspentPoints`
 * (what an early fraud warning froze): a refund of cumulative amount R reverses
 * ⌈points × R ÷ paid⌉ − the points earlier refunds reversed, so R may reach
 * ⌊(earlier refunded points + unspent) × paid ÷ points⌋, and at most what is left to refund; in the
 * steps Stripe charges the currency in (10 for three-decimal currencies). 0: nothing to refund.
 */
export function fraudRefundCents(purchase: PurchaseState, unspentPoints: number): number {
  const paid = purchase.stripeAmountPaidCents ?? purchase.amountCents;
  const left = paid - purchase.stripeAmountRefundedCents;
  if (left <= 0 || unspentPoints <= 0) return 0;
  const reachable = Math.floor(((purchase.refundedPoints + unspentPoints) * paid) / purchase.pointsAmount);
  const cumulative = Math.min(paid, reachable);
  const step = chargeableStep(purchase.currency);
  const amount = cumulative - purchase.stripeAmountRefundedCents;
  return Math.max(0, amount - (amount % step));
}

/**
 * What the client has paid for a purchase in a state: what Stripe took less every refund, and 0
 * while a dispute holds it (open) or took it (lost). A moderator's money is a share of it.
 */
export function netPaidCents(purchase: Pick<PurchaseState, 'stripeAmountPaidCents' | 'amountCents' | 'stripeAmountRefundedCents' | 'disputeStatus'>): number {
  if (purchase.disputeStatus === DisputeStatus.Open || purchase.disputeStatus === DisputeStatus.Lost) return 0;
  return Math.max(0, (purchase.stripeAmountPaidCents ?? purchase.amountCents) - purchase.stripeAmountRefundedCents);
}

function decideSession(
  purchase: PurchaseState,
  trigger: SessionOutcomeTrigger,
  session: Extract<StripeFact, { kind: 'session' }>['session'],
  now: Date,
): Decision {
  if (purchase.status !== PurchaseStatus.Pending && !awaitsItsSession(purchase)) return unchanged('already_final');
  const paymentId = idOf(session.payment_intent);
  const references: PurchaseColumns = { stripeSessionId: session.id, ...(paymentId !== null && { stripePaymentId: paymentId }) };

  switch (trigger) {
    case 'checkout.session.expired': {
      const cancelled = expiredBeforeItsTime(session, now) ? { failureReason: CHECKOUT_CANCELLED } : {};
      return { outcome: 'expired', changes: { ...references, status: PurchaseStatus.Expired, ...cancelled }, effects: [] };
    }
    case 'checkout.session.async_payment_failed':
      return failed('failed', 'async_payment_failed', references);
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      break;
  }
  if (session.payment_status !== 'paid') return { outcome: 'awaiting_payment', changes: references, effects: [] };

  const paid = session.amount_total !== null ? { stripeAmountPaidCents: session.amount_total } : {};
  const mismatch: Mismatch | null =
    session.currency?.toLowerCase() !== purchase.currency
      ? 'currency_mismatch'
      : session.amount_total !== purchase.amountCents
        ? 'amount_mismatch'
        : null;
  if (mismatch) {
    const decision = failed(mismatch, mismatch, { ...references, ...paid });
    const alert: Effect = { kind: 'mismatch_alert', mismatch, sessionId: session.id, paidCents: session.amount_total, paidCurrency: session.currency };
    return { ...decision, effects: [alert, ...decision.effects] };
  }
  return {
    outcome: 'credited',
    changes: { ...references, ...paid, status: PurchaseStatus.Completed, creditedAt: now },
    effects: [{ kind: 'capture' }],
  };
}

/** `charge.refunded`: Stripe's amount_refunded is cumulative, so only the newly refunded part is reversed. */
function decideRefund(purchase: PurchaseState, charge: Extract<StripeFact, { kind: 'refund' }>['charge']): Decision {
  const refused = refuseUncredited(purchase);
  if (refused) return refused;
  if (charge.amount_refunded <= purchase.stripeAmountRefundedCents) return unchanged('already_applied');

  const paid = purchase.stripeAmountPaidCents ?? purchase.amountCents;
  const fullyRefunded = charge.amount_refunded >= paid;
  const points = fullyRefunded
    ? purchase.pointsAmount - purchase.refundedPoints
    : refundedPointsFor(purchase.pointsAmount, paid, charge.amount_refunded) - purchase.refundedPoints;
  // Only what is still credited can be taken back now. The rest of the refunded points are held by
  // an open dispute (an inquiry can be refunded while it is open): they are off both balances already,
  // and become refunded points so that winning the dispute never gives them back. A lost dispute's
  // points stay the chargeback's.
  const reversed = Math.max(0, Math.min(points, reversibleOf(purchase)));
  const openDispute = purchase.disputeStatus === DisputeStatus.Open ? purchase.disputedPoints : 0;
  const fromDispute = Math.max(0, Math.min(points - reversed, openDispute));

  const netPaid = netPaidCents({ ...purchase, stripeAmountRefundedCents: charge.amount_refunded });
  return {
    outcome: fullyRefunded ? 'refunded' : 'partially_refunded',
    changes: {
      stripeChargeId: charge.id,
      stripeAmountRefundedCents: charge.amount_refunded,
      refundedPoints: purchase.refundedPoints + reversed + fromDispute,
      ...(fromDispute > 0 && { disputedPoints: purchase.disputedPoints - fromDispute }),
      ...(fullyRefunded && { status: PurchaseStatus.Refunded }),
    },
    // A refund that takes back no point (the earlier ones' points were rounded up) still lowers what
    // the client paid, and with it the earner's money: the reversal then moves money alone.
    effects:
      reversed > 0 || netPaid !== netPaidCents(purchase)
        ? [{ kind: 'reverse', points: reversed, reason: 'refund', reversalKey: `refund:${purchase.id}:${charge.amount_refunded}`, netPaidCents: netPaid }]
        : [],
  };
}

function decideDisputeCreated(purchase: PurchaseState, dispute: Extract<StripeFact, { kind: 'dispute_created' }>['dispute']): Decision {
  const refused = refuseUncredited(purchase);
  if (refused) return refused;
  if (purchase.disputeId === dispute.id) return unchanged('already_applied');

  const reversible = reversibleOf(purchase);
  const chargeId = idOf(dispute.charge);
  return {
    outcome: 'disputed',
    changes: {
      disputeId: dispute.id,
      disputeStatus: DisputeStatus.Open,
      disputedPoints: purchase.disputedPoints + reversible,
      ...(chargeId !== null && { stripeChargeId: chargeId }),
    },
    effects: disputeReversal(purchase, reversible, dispute.id),
  };
}

function decideDisputeClosed(purchase: PurchaseState, dispute: Extract<StripeFact, { kind: 'dispute_closed' }>['dispute']): Decision {
  if (purchase.disputeId !== dispute.id) return decideDisputeClosedFirst(purchase, dispute);
  if (purchase.disputeStatus !== DisputeStatus.Open) return unchanged('already_applied');
  if (!keepsTheMoney(dispute.status)) {
    return { outcome: 'dispute_lost', changes: { disputeStatus: DisputeStatus.Lost }, effects: [] };
  }
  const restored = purchase.disputedPoints;
  const netPaid = netPaidCents({ ...purchase, disputeStatus: DisputeStatus.Won });
  return {
    outcome: 'dispute_won',
    changes: { disputeStatus: DisputeStatus.Won, disputedPoints: 0 },
    // Points or not (refunds may have taken them all while money is left), the money comes back.
    effects:
      restored > 0 || netPaid > 0
        ? [{ kind: 'restore', points: restored, restoreKey: `dispute-won:${dispute.id}`, reversalKey: disputeReversalKey(dispute.id), netPaidCents: netPaid }]
        : [],
  };
}

/**
 * A dispute closed before its creation was seen (Stripe does not order its events): the whole
 * dispute at once. Won, nothing moves; lost, what is still credited is reversed as the creation would
 * have. Either way the dispute is recorded, so its `charge.dispute.created`, arriving later, finds it
 * applied. A purchase already marked with another dispute keeps it.
 */
function decideDisputeClosedFirst(purchase: PurchaseState, dispute: Extract<StripeFact, { kind: 'dispute_closed' }>['dispute']): Decision {
  if (purchase.disputeId !== null) return unchanged('already_applied');
  const refused = refuseUncredited(purchase);
  if (refused) return refused;
  const chargeId = idOf(dispute.charge);
  const recorded: PurchaseColumns = { disputeId: dispute.id, ...(chargeId !== null && { stripeChargeId: chargeId }) };
  if (keepsTheMoney(dispute.status)) return { outcome: 'dispute_won', changes: { ...recorded, disputeStatus: DisputeStatus.Won }, effects: [] };
  const reversible = reversibleOf(purchase);
  return {
    outcome: 'dispute_lost',
    changes: { ...recorded, disputeStatus: DisputeStatus.Lost, disputedPoints: purchase.disputedPoints + reversible },
    effects: disputeReversal(purchase, reversible, dispute.id),
  };
}

/** `won`, or `warning_closed`, which ends an inquiry without a chargeback: the money stays. */
function keepsTheMoney(status: Stripe.Dispute.Status): boolean {
  return status === 'won' || status === 'warning_closed';
}

/**
 * Failed only because the service never received its Stripe session: if Stripe did create it, what
 * Stripe says of it (paid, expired) is applied as to a pending purchase, so paid money is never lost.
 */
function awaitsItsSession(purchase: PurchaseState): boolean {
  return purchase.status === PurchaseStatus.Failed && purchase.failureReason === CHECKOUT_SESSION_NOT_CREATED;
}

/** A refund or dispute needs a credited purchase: a pending one is retried later, a failed or expired one had nothing credited. */
function refuseUncredited(purchase: PurchaseState): Decision | null {
  if (purchase.status === PurchaseStatus.Pending) return { outcome: 'not_credited', changes: {}, effects: [{ kind: 'retry_later' }] };
  if (!CREDITED.has(purchase.status)) return unchanged('not_credited');
  return null;
}

/** Stripe expires a session by itself at `expires_at`; one that expired a minute or more before was cancelled. */
function expiredBeforeItsTime(session: { expires_at?: number }, now: Date): boolean {
  return typeof session.expires_at === 'number' && session.expires_at * 1000 - now.getTime() >= 60_000;
}

function failed(outcome: Outcome, reason: PaymentFailureReason, references: PurchaseColumns): Decision {
  return {
    outcome,
    changes: { ...references, status: PurchaseStatus.Failed, failureReason: reason },
    effects: [{ kind: 'payment_failed', reason }],
  };
}

function unchanged(outcome: Outcome): Decision {
  return { outcome, changes: {}, effects: [] };
}

/** Points of the purchase still credited: neither refunded nor held by a dispute. */
function reversibleOf(purchase: PurchaseState): number {
  return purchase.pointsAmount - purchase.refundedPoints - purchase.disputedPoints;
}

/**
 * Points reversed for a cumulative refund, in proportion to the money and rounded up: the platform
 * never keeps a fraction of a point the client was refunded for. Integer arithmetic only.
 */
export function refundedPointsFor(points: number, paidCents: number, refundedCents: number): number {
  if (refundedCents <= 0) return 0;
  if (refundedCents >= paidCents) return points;
  const scaled = points * refundedCents;
  const remainder = scaled % paidCents;
  return (scaled - remainder) / paidCents + (remainder === 0 ? 0 : 1);
}

/**
 * A dispute that takes the money: what is still credited is reversed, and the earner's money goes to
 * 0 with it. When refunds have already taken every point back (they round up) but left money, the
 * reversal moves that money alone.
 */
function disputeReversal(purchase: PurchaseState, reversible: number, disputeId: string): Effect[] {
  if (reversible === 0 && netPaidCents(purchase) === 0) return [];
  return [{ kind: 'reverse', points: reversible, reason: 'dispute', reversalKey: disputeReversalKey(disputeId), netPaidCents: 0 }];
}

function disputeReversalKey(disputeId: string): string {
  return `dispute:${disputeId}`;
}

export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}
