import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { Env } from '../../config/env.schema';
import { EventBus } from '../../events/event-bus';
import { PurchaseOrder, PurchaseRef } from '../../events/event-map';
import { FreezesService } from '../../points/freezes.service';
import { PurchasePoints } from '../../points/purchase-points.port';
import { Purchase } from '../entities/purchase.entity';
import { PaymentsError } from '../payments.errors';
import { PurchaseChanges } from '../purchase-changes';
import { PurchasesRepository } from '../purchases.repository';
import { decide, Decision, EarlyFraudWarning, Effect, fraudRefundCents, idOf, Outcome, SessionOutcomeTrigger, StripeFact } from './decide';

export interface AppliedOutcome {
  outcome: Outcome;
  transactionId: string | null;
}

export interface SessionFact {
  trigger: SessionOutcomeTrigger;
  session: Stripe.Checkout.Session;
}

const UNKNOWN: AppliedOutcome = { outcome: 'unknown_transaction', transactionId: null };

/** What one call collects while it applies its facts: the purchases' changes, and the purchases to credit. */
interface Work {
  changes: PurchaseChanges;
  captured: Purchase[];
}

/**
 * What a payment fact (from a webhook, reconciliation or the success page) does to a purchase.
 * Every method runs inside the caller's transaction: it locks the purchase rows first, so that
 * `decide` reads the latest committed state, carries out the decided effects (the points module's
 * `PurchasePoints` moves the points and answers who earns them), collects the purchases' changes,
 * and writes them at its end in one statement. The ledger keys make each effect happen once even if
 * two paths decide the same thing.
 */
@Injectable()
export class PaymentOutcomes {
  private readonly logger = new Logger(PaymentOutcomes.name);
  private readonly autoRefund: boolean;

  constructor(
    private readonly purchases: PurchasesRepository,
    private readonly events: EventBus,
    private readonly freezes: FreezesService,
    private readonly points: PurchasePoints,
    env: Env,
  ) {
    this.autoRefund = env.EFW_AUTO_REFUND;
  }

  async applySession(trigger: SessionOutcomeTrigger, session: Stripe.Checkout.Session): Promise<AppliedOutcome> {
    const [applied] = await this.applySessions([{ trigger, session }]);
    return applied;
  }

  /**
   * Session facts in order, in the caller's transaction: their purchases locked in one statement (id
   * order), each fact decided on the latest state (a later fact for the same purchase sees what an
   * earlier one decided), and every capture credited together, set-based.
   */
  async applySessions(facts: readonly SessionFact[]): Promise<AppliedOutcome[]> {
    // A batch of repeated deliveries only: nothing to lock, nothing to decide.
    if (facts.length === 0) return [];
    const candidates = await this.purchases.lockBySessions(facts.map((fact) => fact.session));
    const now = new Date();
    const work: Work = { changes: new PurchaseChanges(), captured: [] };
    const applied: AppliedOutcome[] = [];
    for (const { trigger, session } of facts) {
      const purchase = matchSession(session, candidates);
      applied.push(purchase ? await this.apply(purchase, { kind: 'session', trigger, session }, now, work) : UNKNOWN);
    }
    await this.captureAll(work, now);
    await this.purchases.write(work.changes);
    return applied;
  }

  async applyRefund(charge: Stripe.Charge): Promise<AppliedOutcome> {
    const purchase = await this.purchases.lockByCharge(charge.id, idOf(charge.payment_intent));
    return purchase ? this.applyOne(purchase, { kind: 'refund', charge }) : UNKNOWN;
  }

  async applyDispute(dispute: Stripe.Dispute, phase: 'created' | 'closed'): Promise<AppliedOutcome> {
    const purchase = await this.purchases.lockByCharge(idOf(dispute.charge), idOf(dispute.payment_intent));
    if (!purchase) return UNKNOWN;
    return this.applyOne(purchase, phase === 'created' ? { kind: 'dispute_created', dispute } : { kind: 'dispute_closed', dispute });
  }

  /** `radar.early_fraud_warning.created`: the purchase of the warned charge, held (see `decide`). */
  async applyEarlyFraudWarning(warning: EarlyFraudWarning & { payment_intent?: string | { id: string } | null }): Promise<AppliedOutcome> {
    const purchase = await this.purchases.lockByCharge(idOf(warning.charge), idOf(warning.payment_intent));
    if (!purchase) return UNKNOWN;
    return this.applyOne(purchase, { kind: 'early_fraud_warning', warning, autoRefund: this.autoRefund });
  }

  /** One fact about one locked purchase (never a capture): applied, then the purchase written. */
  private async applyOne(purchase: Purchase, fact: StripeFact): Promise<AppliedOutcome> {
    const work: Work = { changes: new PurchaseChanges(), captured: [] };
    const applied = await this.apply(purchase, fact, new Date(), work);
    await this.purchases.write(work.changes);
    return applied;
  }

  /** Decides one fact on a locked purchase, collects its changes, then carries out its effects in order. */
  private async apply(purchase: Purchase, fact: StripeFact, now: Date, work: Work): Promise<AppliedOutcome> {
    const decision = decide(purchase, fact, now);
    work.changes.set(purchase, decision.changes);
    if (decision.outcome === 'disputed') {
      this.logger.warn(`dispute ${purchase.disputeId} opened on transaction ${purchase.id}: ${reversedBy(decision)} points reversed`);
    }
    for (const effect of decision.effects) await this.carryOut(purchase, effect, now, work);
    return { outcome: decision.outcome, transactionId: purchase.id };
  }

  private async carryOut(purchase: Purchase, effect: Effect, now: Date, work: Work): Promise<void> {
    const occurredAt = now.toISOString();
    switch (effect.kind) {
      case 'retry_later':
        // Not credited yet: the transaction rolls back and Stripe delivers the fact again later.
        throw PaymentsError.purchaseNotYetCredited(purchase.id);
      case 'capture':
        work.captured.push(purchase);
        return;
      case 'mismatch_alert':
        this.logger.error(
          `ALERT ${effect.mismatch}: transaction ${purchase.id} expects ${purchase.amountCents} ${purchase.currency}, ` +
            `session ${effect.sessionId} paid ${effect.paidCents} ${effect.paidCurrency}; not credited`,
        );
        return;
      case 'payment_failed':
        await this.events.publishAfterCommit('payment.failed', { ...summaryOf(purchase), reason: effect.reason, failedAt: occurredAt });
        return;
      case 'reverse':
        await this.points.reverse({
          ...partiesOf(purchase),
          points: effect.points,
          reason: effect.reason,
          reversalKey: effect.reversalKey,
          netPaidCents: effect.netPaidCents,
          occurredAt,
        });
        return;
      case 'restore': {
        const { newModeratorId } = await this.points.restore({
          ...partiesOf(purchase),
          points: effect.points,
          restoreKey: effect.restoreKey,
          reversalKey: effect.reversalKey,
          netPaidCents: effect.netPaidCents,
          occurredAt,
        });
        if (newModeratorId) work.changes.set(purchase, { moderatorId: newModeratorId });
        return;
      }
      case 'freeze':
        await this.hold(purchase, effect, occurredAt, work.changes);
        return;
      case 'unfreeze':
        await this.freezes.unfreeze(refOf(purchase));
        return;
    }
  }

  /**
   * An early fraud warning holds the purchase: its unspent points are frozen (the points module,
   * under the interaction's lock), its moderator's money stays out of payouts while the purchase's
   * warning is active, and every admin is told. With EFW_AUTO_REFUND the refund of what the unspent
   * points cost is decided here and stored with the change (the purchase's fraud_refund_cents and an
   * outbox event); Stripe is asked after commit, and its `charge.refunded` reverses the points.
   */
  private async hold(purchase: Purchase, effect: Extract<Effect, { kind: 'freeze' }>, warnedAt: string, changes: PurchaseChanges): Promise<void> {
    const frozenPoints = await this.freezes.freeze(refOf(purchase));
    const refundCents = effect.autoRefund ? fraudRefundCents(purchase, frozenPoints) : 0;
    if (refundCents > 0) {
      changes.set(purchase, { fraudRefundCents: refundCents });
      await this.events.publishAfterCommit('fraud_refund.requested', {
        ...refOf(purchase),
        warningId: effect.warningId,
        chargeId: purchase.stripeChargeId,
        paymentIntentId: purchase.stripePaymentId,
        amountCents: refundCents,
        currency: purchase.currency,
      });
    }
    this.logger.warn(
      `ALERT early fraud warning ${effect.warningId} on transaction ${purchase.id}: ${frozenPoints} unspent points frozen` +
        (refundCents > 0 ? `, ${refundCents} ${purchase.currency} to be refunded at Stripe` : ''),
    );
    await this.events.publishAfterCommit('fraud_warning.created', {
      ...summaryOf(purchase),
      warningId: effect.warningId,
      fraudType: effect.fraudType ?? 'unknown',
      frozenPoints,
      refundCents,
      warnedAt,
    });
  }

  /**
   * Credits the captured purchases together, records on each the moderator the points module
   * credited, then tells each buyer (and the metrics, at commit).
   */
  private async captureAll({ captured, changes }: Work, now: Date): Promise<void> {
    if (captured.length === 0) return;
    const at = now.toISOString();
    const payments = captured.map((purchase) => ({ ...summaryOf(purchase), capturedAt: at }));
    const credits = new Map((await this.points.credit(payments)).map((credit) => [credit.transactionId, credit]));
    for (const purchase of captured) changes.set(purchase, { moderatorId: credits.get(purchase.id)?.moderatorId });
    await this.events.emitInTransaction('payments.captured', { payments });
    for (const purchase of captured) await this.events.publishAfterCommit('purchase.completed', { ...summaryOf(purchase), creditedAt: at });
  }
}

/** The purchase a session pays: the one with its session id, else its client_reference_id if that one has no other session. */
function matchSession(session: Stripe.Checkout.Session, candidates: readonly Purchase[]): Purchase | null {
  const bySession = candidates.find((candidate) => candidate.stripeSessionId === session.id);
  if (bySession) return bySession;
  const byReference = candidates.find((candidate) => candidate.id === session.client_reference_id);
  if (!byReference || (byReference.stripeSessionId && byReference.stripeSessionId !== session.id)) return null;
  return byReference;
}

function reversedBy(decision: Decision): number {
  return decision.effects.reduce((sum, effect) => sum + (effect.kind === 'reverse' ? effect.points : 0), 0);
}

/** Which purchase an event is about, and whose. */
function refOf(purchase: Purchase): PurchaseRef {
  return { transactionId: purchase.id, clientId: purchase.clientId, profileId: purchase.profileId };
}

function partiesOf(purchase: Purchase) {
  return { ...refOf(purchase), moderatorId: purchase.moderatorId };
}

/** What events say about a purchase. */
function summaryOf(purchase: Purchase): PurchaseRef & PurchaseOrder {
  return {
    ...refOf(purchase),
    points: purchase.pointsAmount,
    amountCents: purchase.amountCents,
    currency: purchase.currency,
  };
}
