import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { In } from 'typeorm';
import { TransactionRunner } from '../../database/transaction';
import { EventBus } from '../../events/event-bus';
import { PaymentFailureReason, PurchaseOrder, PurchaseRef } from '../../events/event-map';
import { PointTransaction } from '../entities/point-transaction.entity';
import { DisputeStatus, TransactionStatus } from '../purchase-status';
import { PaymentsError } from '../payments.errors';
import { PurchaseWrites } from '../purchase-writes';
import { isId } from '../../common/ids';

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
  | 'unknown_transaction';

export interface AppliedOutcome {
  outcome: Outcome;
  transactionId: string | null;
}

export interface SessionFact {
  trigger: SessionOutcomeTrigger;
  session: Stripe.Checkout.Session;
}

/** A paid session whose purchase is to be credited. */
interface Capture {
  purchase: PointTransaction;
  session: Stripe.Checkout.Session;
}

const CREDITED: ReadonlySet<TransactionStatus> = new Set([TransactionStatus.Completed, TransactionStatus.Refunded]);

/**
 * What a payment fact (from a webhook, reconciliation or the success page) does to a purchase.
 * Every method runs inside the caller's transaction and locks the purchase row first, so the
 * decisions below are made on the latest committed state; the ledger keys make each effect
 * happen once even if two paths decide the same thing.
 */
@Injectable()
export class PaymentOutcomes {
  private readonly logger = new Logger(PaymentOutcomes.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly events: EventBus,
    private readonly writes: PurchaseWrites,
  ) {}

  async applySession(trigger: SessionOutcomeTrigger, session: Stripe.Checkout.Session): Promise<AppliedOutcome> {
    const [applied] = await this.applySessions([{ trigger, session }]);
    return applied;
  }

  /**
   * Session facts in order, in the caller's transaction: their purchases locked in one statement (id
   * order), each fact decided on the latest state (a later fact for the same purchase sees what an
   * earlier one did), and every capture credited together, set-based.
   */
  async applySessions(facts: readonly SessionFact[]): Promise<AppliedOutcome[]> {
    // A batch of repeated deliveries only: nothing to lock, nothing to decide.
    if (facts.length === 0) return [];
    const candidates = await this.lockBySessions(facts.map((fact) => fact.session));
    const captures: Capture[] = [];
    const applied: AppliedOutcome[] = [];
    for (const { trigger, session } of facts) {
      const purchase = matchSession(session, candidates);
      if (!purchase) {
        applied.push({ outcome: 'unknown_transaction', transactionId: null });
        continue;
      }
      applied.push({ outcome: await this.sessionOutcome(trigger, session, purchase, captures), transactionId: purchase.id });
    }
    await this.captureAll(captures);
    return applied;
  }

  /** `charge.refunded`: Stripe's amount_refunded is cumulative, so only the newly refunded part is reversed. */
  async applyRefund(charge: Stripe.Charge): Promise<AppliedOutcome> {
    const purchase = await this.lockByCharge(charge.id, idOf(charge.payment_intent));
    if (!purchase) return { outcome: 'unknown_transaction', transactionId: null };
    const outcome = await this.refundOutcome(charge, purchase);
    return { outcome, transactionId: purchase.id };
  }

  async applyDispute(dispute: Stripe.Dispute, phase: 'created' | 'closed'): Promise<AppliedOutcome> {
    const purchase = await this.lockByCharge(idOf(dispute.charge), idOf(dispute.payment_intent));
    if (!purchase) return { outcome: 'unknown_transaction', transactionId: null };
    const outcome = phase === 'created' ? await this.disputeOpened(dispute, purchase) : await this.disputeClosed(dispute, purchase);
    return { outcome, transactionId: purchase.id };
  }

  private async sessionOutcome(
    trigger: SessionOutcomeTrigger,
    session: Stripe.Checkout.Session,
    purchase: PointTransaction,
    captures: Capture[],
  ): Promise<Outcome> {
    if (purchase.status !== TransactionStatus.Pending) return 'already_final';
    const references = { stripeSessionId: session.id, stripePaymentId: idOf(session.payment_intent) };

    switch (trigger) {
      case 'checkout.session.expired':
        await this.update(purchase, { ...references, status: TransactionStatus.Expired });
        return 'expired';
      case 'checkout.session.async_payment_failed':
        await this.fail(purchase, 'async_payment_failed', references);
        return 'failed';
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        if (session.payment_status !== 'paid') {
          await this.update(purchase, references);
          return 'awaiting_payment';
        }
        return this.capture(session, purchase, references, captures);
    }
  }

  /** Checks what was paid against the purchase; a match joins the captures credited together. */
  private async capture(
    session: Stripe.Checkout.Session,
    purchase: PointTransaction,
    references: Partial<PointTransaction>,
    captures: Capture[],
  ): Promise<Outcome> {
    const mismatch =
      session.currency?.toLowerCase() !== purchase.currency
        ? 'currency_mismatch'
        : session.amount_total !== purchase.amountCents
          ? 'amount_mismatch'
          : null;
    if (mismatch) {
      this.logger.error(
        `ALERT ${mismatch}: transaction ${purchase.id} expects ${purchase.amountCents} ${purchase.currency}, ` +
          `session ${session.id} paid ${session.amount_total} ${session.currency}; not credited`,
      );
      await this.fail(purchase, mismatch, { ...references, stripeAmountPaidCents: session.amount_total });
      return mismatch;
    }
    // Decided now, written with the others: a later fact of this batch finds the purchase completed.
    Object.assign(purchase, { ...references, status: TransactionStatus.Completed, stripeAmountPaidCents: session.amount_total });
    captures.push({ purchase, session });
    return 'credited';
  }

  /** Marks the purchases completed (written with the rest just before commit), then credits them all. */
  private async captureAll(captures: readonly Capture[]): Promise<void> {
    if (captures.length === 0) return;
    const creditedAt = new Date();
    for (const { purchase, session } of captures) {
      this.writes.set(purchase.id, {
        status: TransactionStatus.Completed,
        creditedAt,
        stripeSessionId: session.id,
        stripePaymentId: idOf(session.payment_intent),
        stripeAmountPaidCents: session.amount_total,
      });
    }
    const at = creditedAt.toISOString();
    await this.events.emitInTransaction('payments.captured', {
      payments: captures.map(({ purchase }) => ({ ...summaryOf(purchase), capturedAt: at })),
    });
    for (const { purchase } of captures) await this.events.publishAfterCommit('purchase.completed', { ...summaryOf(purchase), creditedAt: at });
  }

  private async refundOutcome(charge: Stripe.Charge, purchase: PointTransaction): Promise<Outcome> {
    if (purchase.status === TransactionStatus.Pending) throw PaymentsError.purchaseNotYetCredited(purchase.id);
    if (!CREDITED.has(purchase.status)) return 'not_credited';
    if (charge.amount_refunded <= purchase.stripeAmountRefundedCents) return 'already_applied';

    const paid = purchase.stripeAmountPaidCents ?? purchase.amountCents;
    const fullyRefunded = charge.amount_refunded >= paid;
    const points = fullyRefunded
      ? purchase.pointsAmount - purchase.refundedPoints
      : refundedPointsFor(purchase.pointsAmount, paid, charge.amount_refunded) - purchase.refundedPoints;
    const reversible = purchase.pointsAmount - purchase.refundedPoints - purchase.disputedPoints;
    const reversed = Math.max(0, Math.min(points, reversible));

    await this.update(purchase, {
      stripeChargeId: charge.id,
      stripeAmountRefundedCents: charge.amount_refunded,
      refundedPoints: purchase.refundedPoints + reversed,
      ...(fullyRefunded && { status: TransactionStatus.Refunded }),
    });
    if (reversed > 0) {
      await this.reverse(purchase, reversed, 'refund', `refund:${purchase.id}:${charge.amount_refunded}`);
    }
    return fullyRefunded ? 'refunded' : 'partially_refunded';
  }

  private async disputeOpened(dispute: Stripe.Dispute, purchase: PointTransaction): Promise<Outcome> {
    if (purchase.status === TransactionStatus.Pending) throw PaymentsError.purchaseNotYetCredited(purchase.id);
    if (!CREDITED.has(purchase.status)) return 'not_credited';
    if (purchase.disputeId === dispute.id) return 'already_applied';

    const reversible = purchase.pointsAmount - purchase.refundedPoints - purchase.disputedPoints;
    this.logger.warn(`dispute ${dispute.id} opened on transaction ${purchase.id}: ${reversible} points reversed`);
    await this.update(purchase, {
      disputeId: dispute.id,
      disputeStatus: DisputeStatus.Open,
      disputedPoints: purchase.disputedPoints + reversible,
      stripeChargeId: idOf(dispute.charge),
    });
    if (reversible > 0) await this.reverse(purchase, reversible, 'dispute', disputeReversalKey(dispute.id));
    return 'disputed';
  }

  private async disputeClosed(dispute: Stripe.Dispute, purchase: PointTransaction): Promise<Outcome> {
    if (purchase.disputeId !== dispute.id || purchase.disputeStatus !== DisputeStatus.Open) return 'already_applied';
    // `warning_closed` ends an inquiry without a chargeback: the money stays, like a won dispute.
    if (dispute.status !== 'won' && dispute.status !== 'warning_closed') {
      await this.update(purchase, { disputeStatus: DisputeStatus.Lost });
      return 'dispute_lost';
    }
    const restored = purchase.disputedPoints;
    await this.update(purchase, { disputeStatus: DisputeStatus.Won, disputedPoints: 0 });
    if (restored > 0) {
      await this.events.emitInTransaction('payment.restored', {
        ...this.parties(purchase),
        points: restored,
        restoreKey: `dispute-won:${dispute.id}`,
        reversalKey: disputeReversalKey(dispute.id),
        occurredAt: new Date().toISOString(),
      });
    }
    return 'dispute_won';
  }

  private async reverse(purchase: PointTransaction, points: number, reason: 'refund' | 'dispute', reversalKey: string): Promise<void> {
    await this.events.emitInTransaction('payment.reversed', {
      ...this.parties(purchase),
      points,
      reason,
      reversalKey,
      occurredAt: new Date().toISOString(),
    });
  }

  private async fail(purchase: PointTransaction, reason: PaymentFailureReason, references: Partial<PointTransaction>): Promise<void> {
    const failedAt = new Date();
    await this.update(purchase, { ...references, status: TransactionStatus.Failed, failureReason: reason });
    await this.events.publishAfterCommit('payment.failed', {
      ...summaryOf(purchase),
      reason,
      failedAt: failedAt.toISOString(),
    });
  }

  private parties(purchase: PointTransaction) {
    return { ...refOf(purchase), moderatorId: purchase.moderatorId };
  }

  /** Writes the changes and keeps them on the loaded row, which later facts of a batch read. */
  private async update(purchase: PointTransaction, changes: Partial<PointTransaction>): Promise<void> {
    if (Object.keys(changes).length === 0) return;
    await this.transactions.repository(PointTransaction).update({ id: purchase.id }, changes);
    Object.assign(purchase, changes);
  }

  /**
   * Every purchase a session may name, locked FOR UPDATE in id order: by session id, or by
   * client_reference_id (when the session id was never stored: a crash after Stripe answered).
   */
  private lockBySessions(sessions: readonly Stripe.Checkout.Session[]): Promise<PointTransaction[]> {
    const references = sessions.map((session) => session.client_reference_id).filter((reference): reference is string => isId(reference));
    return this.transactions.repository(PointTransaction).find({
      where: [{ stripeSessionId: In(sessions.map((session) => session.id)) }, ...(references.length > 0 ? [{ id: In(references) }] : [])],
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  private async lockByCharge(chargeId: string | null, paymentIntentId: string | null): Promise<PointTransaction | null> {
    const repository = this.transactions.repository(PointTransaction);
    const lock = { mode: 'pessimistic_write' } as const;
    if (paymentIntentId) {
      const byPayment = await repository.findOne({ where: { stripePaymentId: paymentIntentId }, lock });
      if (byPayment) return byPayment;
    }
    return chargeId ? repository.findOne({ where: { stripeChargeId: chargeId }, lock }) : null;
  }
}

/** The purchase a session pays: the one with its session id, else its client_reference_id if that one has no other session. */
function matchSession(session: Stripe.Checkout.Session, candidates: readonly PointTransaction[]): PointTransaction | null {
  const bySession = candidates.find((candidate) => candidate.stripeSessionId === session.id);
  if (bySession) return bySession;
  const byReference = candidates.find((candidate) => candidate.id === session.client_reference_id);
  if (!byReference || (byReference.stripeSessionId && byReference.stripeSessionId !== session.id)) return null;
  return byReference;
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

function disputeReversalKey(disputeId: string): string {
  return `dispute:${disputeId}`;
}

/** Which purchase an event is about, and whose. */
function refOf(purchase: PointTransaction): PurchaseRef {
  return { transactionId: purchase.id, clientId: purchase.clientId, profileId: purchase.profileId };
}

/** What events say about a purchase. */
function summaryOf(purchase: PointTransaction): PurchaseRef & PurchaseOrder {
  return {
    ...refOf(purchase),
    points: purchase.pointsAmount,
    amountCents: purchase.amountCents,
    currency: purchase.currency,
  };
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}
