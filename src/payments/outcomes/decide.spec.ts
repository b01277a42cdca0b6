import { DisputeStatus, FraudWarningStatus, PurchaseStatus } from '../purchase-status';
import { decide, Decision, fraudRefundCents, netPaidCents, PurchaseState, SessionOutcomeTrigger, StripeFact } from './decide';

const NOW = new Date('2026-03-04T05:06:07.000Z');

/** A pending purchase of 500 points for 9.99 EUR. */
function purchase(state: Partial<PurchaseState> = {}): PurchaseState {
  return Object.freeze({
    id: '42',
    status: PurchaseStatus.Pending,
    pointsAmount: 500,
    amountCents: 999,
    currency: 'eur',
    stripeAmountPaidCents: null,
    stripeAmountRefundedCents: 0,
    refundedPoints: 0,
    disputedPoints: 0,
    disputeId: null,
    disputeStatus: null,
    failureReason: null,
    fraudWarningId: null,
    fraudWarningStatus: null,
    ...state,
  });
}

/** The same purchase once credited for what it asked. */
const credited = (state: Partial<PurchaseState> = {}) => purchase({ status: PurchaseStatus.Completed, stripeAmountPaidCents: 999, ...state });

type Session = Extract<StripeFact, { kind: 'session' }>['session'];

function sessionFact(trigger: SessionOutcomeTrigger, session: Partial<Session> = {}): StripeFact {
  return {
    kind: 'session',
    trigger,
    session: { id: 'cs_1', payment_intent: 'pi_1', payment_status: 'paid', amount_total: 999, currency: 'eur', ...session },
  };
}

const refund = (amountRefunded: number): StripeFact => ({ kind: 'refund', charge: { id: 'ch_1', amount_refunded: amountRefunded } });
const disputeCreated = (id = 'dp_1', charge: string | { id: string } = 'ch_1'): StripeFact =>
  ({ kind: 'dispute_created', dispute: { id, charge } }) as StripeFact;
const disputeClosed = (status: string, id = 'dp_1'): StripeFact => ({ kind: 'dispute_closed', dispute: { id, status, charge: 'ch_1' } });

const unchanged = (outcome: Decision['outcome']): Decision => ({ outcome, changes: {}, effects: [] });

const TRIGGERS: SessionOutcomeTrigger[] = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
];
const FINAL = [PurchaseStatus.Completed, PurchaseStatus.Failed, PurchaseStatus.Expired, PurchaseStatus.Refunded];
const NOT_CREDITED = [PurchaseStatus.Failed, PurchaseStatus.Expired];

describe(decide.name, () => {
  describe('checkout sessions', () => {
    it.each(['checkout.session.completed', 'checkout.session.async_payment_succeeded'] as const)(
      '%s, paid what was asked: credited, completed now, captured',
      (trigger) => {
        expect(decide(purchase(), sessionFact(trigger), NOW)).toEqual({
          outcome: 'credited',
          changes: {
            stripeSessionId: 'cs_1',
            stripePaymentId: 'pi_1',
            stripeAmountPaidCents: 999,
            status: PurchaseStatus.Completed,
            creditedAt: NOW,
          },
          effects: [{ kind: 'capture' }],
        });
      },
    );

    it('credits a purchase failed only because its session never reached the service, which Stripe then says is paid', () => {
      const unreceived = purchase({ status: PurchaseStatus.Failed, failureReason: 'checkout_session_not_created' });
      expect(decide(unreceived, sessionFact('checkout.session.completed'), NOW)).toMatchObject({
        outcome: 'credited',
        changes: { stripeSessionId: 'cs_1', status: PurchaseStatus.Completed, creditedAt: NOW },
        effects: [{ kind: 'capture' }],
      });
      expect(decide(unreceived, sessionFact('checkout.session.expired'), NOW).outcome).toBe('expired');
      // Any other failure is final.
      expect(decide(purchase({ status: PurchaseStatus.Failed, failureReason: 'async_payment_failed' }), sessionFact('checkout.session.completed'), NOW)).toEqual(
        unchanged('already_final'),
      );
    });

    it('reads the payment intent of an expanded session by its id', () => {
      expect(decide(purchase(), sessionFact('checkout.session.completed', { payment_intent: { id: 'pi_9' } as Session['payment_intent'] }), NOW).changes)
        .toMatchObject({ stripePaymentId: 'pi_9' });
    });

    it('compares the currency without regard to case', () => {
      expect(decide(purchase(), sessionFact('checkout.session.completed', { currency: 'EUR' }), NOW).outcome).toBe('credited');
    });

    it.each(['unpaid', 'no_payment_required'] as const)('completed but %s: awaiting payment, the session and payment remembered', (paymentStatus) => {
      expect(decide(purchase(), sessionFact('checkout.session.completed', { payment_status: paymentStatus }), NOW)).toEqual({
        outcome: 'awaiting_payment',
        changes: { stripeSessionId: 'cs_1', stripePaymentId: 'pi_1' },
        effects: [],
      });
    });

    it('awaiting payment without a payment intent yet: only the session is remembered', () => {
      expect(
        decide(purchase(), sessionFact('checkout.session.async_payment_succeeded', { payment_status: 'unpaid', payment_intent: null }), NOW),
      ).toEqual({ outcome: 'awaiting_payment', changes: { stripeSessionId: 'cs_1' }, effects: [] });
    });

    it('async payment failed: failed, and the client is told', () => {
      expect(decide(purchase(), sessionFact('checkout.session.async_payment_failed', { payment_status: 'unpaid' }), NOW)).toEqual({
        outcome: 'failed',
        changes: { stripeSessionId: 'cs_1', stripePaymentId: 'pi_1', status: PurchaseStatus.Failed, failureReason: 'async_payment_failed' },
        effects: [{ kind: 'payment_failed', reason: 'async_payment_failed' }],
      });
    });

    it('expired: expired, nobody is told', () => {
      expect(
        decide(purchase(), sessionFact('checkout.session.expired', { payment_status: 'unpaid', payment_intent: null, amount_total: null }), NOW),
      ).toEqual({
        outcome: 'expired',
        changes: { stripeSessionId: 'cs_1', status: PurchaseStatus.Expired },
        effects: [],
      });
    });

    it('expired well before its expires_at: expired and marked cancelled (the buyer pressed Cancel), nobody is told', () => {
      const expiresAt = NOW.getTime() / 1000 + 23 * 3600;
      expect(decide(purchase(), sessionFact('checkout.session.expired', { payment_status: 'unpaid', payment_intent: null, expires_at: expiresAt }), NOW)).toEqual({
        outcome: 'expired',
        changes: { stripeSessionId: 'cs_1', status: PurchaseStatus.Expired, failureReason: 'checkout_cancelled' },
        effects: [],
      });
    });

    it('expired at its expires_at: expired, not cancelled', () => {
      const expiresAt = NOW.getTime() / 1000 - 5;
      expect(decide(purchase(), sessionFact('checkout.session.expired', { payment_status: 'unpaid', payment_intent: null, expires_at: expiresAt }), NOW).changes).toEqual({
        stripeSessionId: 'cs_1',
        status: PurchaseStatus.Expired,
      });
    });

    it('paid a different amount: amount_mismatch, failed with what was paid, an alert and the client told', () => {
      expect(decide(purchase(), sessionFact('checkout.session.completed', { amount_total: 1 }), NOW)).toEqual({
        outcome: 'amount_mismatch',
        changes: {
          stripeSessionId: 'cs_1',
          stripePaymentId: 'pi_1',
          stripeAmountPaidCents: 1,
          status: PurchaseStatus.Failed,
          failureReason: 'amount_mismatch',
        },
        effects: [
          { kind: 'mismatch_alert', mismatch: 'amount_mismatch', sessionId: 'cs_1', paidCents: 1, paidCurrency: 'eur' },
          { kind: 'payment_failed', reason: 'amount_mismatch' },
        ],
      });
    });

    it('paid in another currency: currency_mismatch, even when the amount is also different', () => {
      for (const amount of [999, 5]) {
        expect(decide(purchase(), sessionFact('checkout.session.async_payment_succeeded', { currency: 'usd', amount_total: amount }), NOW)).toEqual({
          outcome: 'currency_mismatch',
          changes: {
            stripeSessionId: 'cs_1',
            stripePaymentId: 'pi_1',
            stripeAmountPaidCents: amount,
            status: PurchaseStatus.Failed,
            failureReason: 'currency_mismatch',
          },
          effects: [
            { kind: 'mismatch_alert', mismatch: 'currency_mismatch', sessionId: 'cs_1', paidCents: amount, paidCurrency: 'usd' },
            { kind: 'payment_failed', reason: 'currency_mismatch' },
          ],
        });
      }
    });

    it.each(TRIGGERS.flatMap((trigger) => FINAL.map((status) => [trigger, status] as const)))('%s on a %s purchase: already final, nothing changes', (trigger, status) => {
      expect(decide(purchase({ status }), sessionFact(trigger), NOW)).toEqual(unchanged('already_final'));
    });
  });

  describe('charge.refunded', () => {
    it('before the payment is credited: retry later, nothing changes', () => {
      expect(decide(purchase(), refund(999), NOW)).toEqual({ outcome: 'not_credited', changes: {}, effects: [{ kind: 'retry_later' }] });
    });

    it.each(NOT_CREDITED)('on a %s purchase: not credited, nothing to take back', (status) => {
      expect(decide(purchase({ status }), refund(999), NOW)).toEqual(unchanged('not_credited'));
    });

    it.each([300, 299])('a cumulative amount already applied (%i of 300): already applied', (amount) => {
      expect(decide(credited({ stripeAmountRefundedCents: 300, refundedPoints: 151 }), refund(amount), NOW)).toEqual(unchanged('already_applied'));
    });

    it('partial: the refunded share of the points, rounded up, taken back', () => {
      expect(decide(credited(), refund(300), NOW)).toEqual({
        outcome: 'partially_refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 300, refundedPoints: 151 },
        effects: [{ kind: 'reverse', points: 151, reason: 'refund', reversalKey: 'refund:42:300', netPaidCents: 699 }],
      });
    });

    it('a second partial refund takes back only what the new cumulative amount adds', () => {
      expect(decide(credited({ stripeAmountRefundedCents: 300, refundedPoints: 151 }), refund(600), NOW)).toEqual({
        outcome: 'partially_refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 600, refundedPoints: 301 },
        effects: [{ kind: 'reverse', points: 150, reason: 'refund', reversalKey: 'refund:42:600', netPaidCents: 399 }],
      });
    });

    it('full: refunded, every point taken back', () => {
      expect(decide(credited(), refund(999), NOW)).toEqual({
        outcome: 'refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 999, refundedPoints: 500, status: PurchaseStatus.Refunded },
        effects: [{ kind: 'reverse', points: 500, reason: 'refund', reversalKey: 'refund:42:999', netPaidCents: 0 }],
      });
    });

    it('full after a partial: the rest of the points', () => {
      expect(decide(credited({ stripeAmountRefundedCents: 300, refundedPoints: 151 }), refund(999), NOW)).toEqual({
        outcome: 'refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 999, refundedPoints: 500, status: PurchaseStatus.Refunded },
        effects: [{ kind: 'reverse', points: 349, reason: 'refund', reversalKey: 'refund:42:999', netPaidCents: 0 }],
      });
    });

    it('measures the share against what Stripe said was paid, else against the price', () => {
      expect(decide(credited({ stripeAmountPaidCents: 600 }), refund(300), NOW).effects).toEqual([
        { kind: 'reverse', points: 250, reason: 'refund', reversalKey: 'refund:42:300', netPaidCents: 300 },
      ]);
      expect(decide(credited({ stripeAmountPaidCents: null }), refund(999), NOW).outcome).toBe('refunded');
    });

    it('a refund too small to take back a point still lowers what the client paid, for the moderator\'s money', () => {
      // 500 points for 9.99 €: 2 cents refunded already took back ⌈500 × 2 ÷ 999⌉ = 2 points; 3 cents take back ⌈1.5⌉ = 2 too.
      expect(decide(credited({ stripeAmountRefundedCents: 2, refundedPoints: 2 }), refund(3), NOW)).toEqual({
        outcome: 'partially_refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 3, refundedPoints: 2 },
        effects: [{ kind: 'reverse', points: 0, reason: 'refund', reversalKey: 'refund:42:3', netPaidCents: 996 }],
      });
    });

    it('after a dispute took points: only the reversible remainder is taken back', () => {
      expect(decide(credited({ disputedPoints: 200, disputeId: 'dp_1', disputeStatus: DisputeStatus.Lost }), refund(999), NOW)).toEqual({
        outcome: 'refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 999, refundedPoints: 300, status: PurchaseStatus.Refunded },
        effects: [{ kind: 'reverse', points: 300, reason: 'refund', reversalKey: 'refund:42:999', netPaidCents: 0 }],
      });
    });

    it('while an open dispute holds every point: nothing to take back, the refunded share leaves the dispute for good', () => {
      expect(decide(credited({ disputedPoints: 500, disputeId: 'dp_1', disputeStatus: DisputeStatus.Open }), refund(300), NOW)).toEqual({
        outcome: 'partially_refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 300, refundedPoints: 151, disputedPoints: 349 },
        effects: [],
      });
      expect(decide(credited({ disputedPoints: 500, disputeId: 'dp_1', disputeStatus: DisputeStatus.Open }), refund(999), NOW)).toEqual({
        outcome: 'refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 999, refundedPoints: 500, disputedPoints: 0, status: PurchaseStatus.Refunded },
        effects: [],
      });
    });

    it('refunded in full during an inquiry, which then closes: nothing is given back', () => {
      const inquiry = credited({ disputedPoints: 500, disputeId: 'dp_1', disputeStatus: DisputeStatus.Open });
      const afterRefund = { ...inquiry, ...decide(inquiry, refund(999), NOW).changes } as PurchaseState;
      expect(decide(afterRefund, disputeClosed('warning_closed'), NOW)).toEqual({
        outcome: 'dispute_won',
        changes: { disputeStatus: DisputeStatus.Won, disputedPoints: 0 },
        effects: [],
      });
    });
  });

  describe('charge.dispute.created', () => {
    it('before the payment is credited: retry later, nothing changes', () => {
      expect(decide(purchase(), disputeCreated(), NOW)).toEqual({ outcome: 'not_credited', changes: {}, effects: [{ kind: 'retry_later' }] });
    });

    it.each(NOT_CREDITED)('on a %s purchase: not credited', (status) => {
      expect(decide(purchase({ status }), disputeCreated(), NOW)).toEqual(unchanged('not_credited'));
    });

    it('the same dispute again: already applied', () => {
      expect(decide(credited({ disputeId: 'dp_1', disputeStatus: DisputeStatus.Open, disputedPoints: 500 }), disputeCreated(), NOW)).toEqual(
        unchanged('already_applied'),
      );
    });

    it('open: every credited point held by the dispute and taken back', () => {
      expect(decide(credited(), disputeCreated(), NOW)).toEqual({
        outcome: 'disputed',
        changes: { disputeId: 'dp_1', disputeStatus: DisputeStatus.Open, disputedPoints: 500, stripeChargeId: 'ch_1' },
        effects: [{ kind: 'reverse', points: 500, reason: 'dispute', reversalKey: 'dispute:dp_1', netPaidCents: 0 }],
      });
    });

    it('after a partial refund: only the reversible remainder, on an expanded charge', () => {
      expect(decide(credited({ refundedPoints: 151, stripeAmountRefundedCents: 300 }), disputeCreated('dp_2', { id: 'ch_7' }), NOW)).toEqual({
        outcome: 'disputed',
        changes: { disputeId: 'dp_2', disputeStatus: DisputeStatus.Open, disputedPoints: 349, stripeChargeId: 'ch_7' },
        effects: [{ kind: 'reverse', points: 349, reason: 'dispute', reversalKey: 'dispute:dp_2', netPaidCents: 0 }],
      });
    });

    it('when refunds took every point but left money: the money alone taken back', () => {
      expect(decide(credited({ refundedPoints: 500, stripeAmountRefundedCents: 997 }), disputeCreated(), NOW)).toEqual({
        outcome: 'disputed',
        changes: { disputeId: 'dp_1', disputeStatus: DisputeStatus.Open, disputedPoints: 0, stripeChargeId: 'ch_1' },
        effects: [{ kind: 'reverse', points: 0, reason: 'dispute', reversalKey: 'dispute:dp_1', netPaidCents: 0 }],
      });
      expect(decide(credited({ refundedPoints: 500, stripeAmountRefundedCents: 997 }), disputeClosed('lost'), NOW).effects).toEqual([
        { kind: 'reverse', points: 0, reason: 'dispute', reversalKey: 'dispute:dp_1', netPaidCents: 0 },
      ]);
    });

    it('on a fully refunded purchase: disputed, nothing left to take back', () => {
      expect(decide(credited({ status: PurchaseStatus.Refunded, refundedPoints: 500, stripeAmountRefundedCents: 999 }), disputeCreated(), NOW)).toEqual({
        outcome: 'disputed',
        changes: { disputeId: 'dp_1', disputeStatus: DisputeStatus.Open, disputedPoints: 0, stripeChargeId: 'ch_1' },
        effects: [],
      });
    });
  });

  describe('charge.dispute.closed', () => {
    const open = (disputedPoints = 349) => credited({ disputeId: 'dp_1', disputeStatus: DisputeStatus.Open, disputedPoints, refundedPoints: 500 - disputedPoints });

    it.each(['won', 'warning_closed'])('%s: won, the disputed points restored', (status) => {
      expect(decide(open(), disputeClosed(status), NOW)).toEqual({
        outcome: 'dispute_won',
        changes: { disputeStatus: DisputeStatus.Won, disputedPoints: 0 },
        effects: [{ kind: 'restore', points: 349, restoreKey: 'dispute-won:dp_1', reversalKey: 'dispute:dp_1', netPaidCents: 999 }],
      });
    });

    it('won when the dispute had taken nothing (refunded in full): won, nothing to restore', () => {
      expect(decide({ ...open(0), stripeAmountRefundedCents: 999 }, disputeClosed('won'), NOW)).toEqual({
        outcome: 'dispute_won',
        changes: { disputeStatus: DisputeStatus.Won, disputedPoints: 0 },
        effects: [],
      });
    });

    it('won when refunds had taken every point but left money: that money restored alone', () => {
      // 500 points for 9.99 €, 9.97 € refunded: ⌈500 × 997 ÷ 999⌉ = 500 points taken, 2 cents still paid.
      expect(decide({ ...open(0), stripeAmountRefundedCents: 997 }, disputeClosed('won'), NOW)).toEqual({
        outcome: 'dispute_won',
        changes: { disputeStatus: DisputeStatus.Won, disputedPoints: 0 },
        effects: [{ kind: 'restore', points: 0, restoreKey: 'dispute-won:dp_1', reversalKey: 'dispute:dp_1', netPaidCents: 2 }],
      });
    });

    it.each(['lost', 'prevented'])('%s: lost, the points stay taken', (status) => {
      expect(decide(open(), disputeClosed(status), NOW)).toEqual({ outcome: 'dispute_lost', changes: { disputeStatus: DisputeStatus.Lost }, effects: [] });
    });

    it.each([
      ['another dispute', open(), 'dp_9'],
      ['a dispute already won', credited({ disputeId: 'dp_1', disputeStatus: DisputeStatus.Won }), 'dp_1'],
      ['a dispute already lost', credited({ disputeId: 'dp_1', disputeStatus: DisputeStatus.Lost, disputedPoints: 500 }), 'dp_1'],
    ] as const)('closing %s: already applied', (_, state, disputeId) => {
      expect(decide(state, disputeClosed('won', disputeId), NOW)).toEqual(unchanged('already_applied'));
    });

    describe('before its creation was seen (Stripe does not order events)', () => {
      it.each(['won', 'warning_closed'])('%s: recorded as won, nothing moves; its creation then finds it applied', (status) => {
        const decision = decide(credited(), disputeClosed(status), NOW);
        expect(decision).toEqual({
          outcome: 'dispute_won',
          changes: { disputeId: 'dp_1', stripeChargeId: 'ch_1', disputeStatus: DisputeStatus.Won },
          effects: [],
        });
        expect(decide({ ...credited(), ...decision.changes }, disputeCreated(), NOW)).toEqual(unchanged('already_applied'));
      });

      it('lost: what is still credited is reversed, as its creation would have; its creation then finds it applied', () => {
        const decision = decide(credited({ refundedPoints: 151, stripeAmountRefundedCents: 300 }), disputeClosed('lost'), NOW);
        expect(decision).toEqual({
          outcome: 'dispute_lost',
          changes: { disputeId: 'dp_1', stripeChargeId: 'ch_1', disputeStatus: DisputeStatus.Lost, disputedPoints: 349 },
          effects: [{ kind: 'reverse', points: 349, reason: 'dispute', reversalKey: 'dispute:dp_1', netPaidCents: 0 }],
        });
        expect(decide({ ...credited(), ...decision.changes }, disputeCreated(), NOW)).toEqual(unchanged('already_applied'));
      });

      it('on a pending purchase: retry later; on one never credited: not credited', () => {
        expect(decide(purchase(), disputeClosed('won'), NOW)).toEqual({ outcome: 'not_credited', changes: {}, effects: [{ kind: 'retry_later' }] });
        expect(decide(purchase({ status: PurchaseStatus.Expired }), disputeClosed('lost'), NOW)).toEqual(unchanged('not_credited'));
      });
    });
  });

  describe('radar.early_fraud_warning.created', () => {
    const warning = (id = 'issfr_1', autoRefund = false): StripeFact => ({
      kind: 'early_fraud_warning',
      warning: { id, charge: 'ch_1', fraud_type: 'made_with_stolen_card' },
      autoRefund,
    });
    const held = (state: Partial<PurchaseState> = {}) =>
      credited({ fraudWarningId: 'issfr_1', fraudWarningStatus: FraudWarningStatus.Active, stripeChargeId: 'ch_1', ...state } as Partial<PurchaseState>);

    it.each([false, true])('holds a credited purchase: frozen, and the freeze carries EFW_AUTO_REFUND=%s', (autoRefund) => {
      expect(decide(credited(), warning('issfr_1', autoRefund), NOW)).toEqual({
        outcome: 'frozen',
        changes: { fraudWarningId: 'issfr_1', fraudWarningStatus: FraudWarningStatus.Active, fraudWarnedAt: NOW, stripeChargeId: 'ch_1' },
        effects: [{ kind: 'freeze', warningId: 'issfr_1', fraudType: 'made_with_stolen_card', autoRefund }],
      });
    });

    it('on a pending purchase: retry later; on one never credited: not credited', () => {
      expect(decide(purchase(), warning(), NOW)).toEqual({ outcome: 'not_credited', changes: {}, effects: [{ kind: 'retry_later' }] });
      expect(decide(purchase({ status: PurchaseStatus.Failed }), warning(), NOW)).toEqual(unchanged('not_credited'));
    });

    it('the same warning again, or another one while the first holds: already applied', () => {
      expect(decide(held(), warning('issfr_1'), NOW)).toEqual(unchanged('already_applied'));
      expect(decide(held(), warning('issfr_2'), NOW)).toEqual(unchanged('already_applied'));
    });

    it('a new warning after the first was released holds the purchase again', () => {
      expect(decide(held({ fraudWarningStatus: FraudWarningStatus.Released }), warning('issfr_2'), NOW).outcome).toBe('frozen');
    });

    it.each([
      ['fully refunded', credited({ status: PurchaseStatus.Refunded, stripeAmountRefundedCents: 999, refundedPoints: 500 })],
      ['held by an open dispute', credited({ disputeId: 'dp_1', disputeStatus: DisputeStatus.Open, disputedPoints: 500 })],
      ['lost to a dispute', credited({ disputeId: 'dp_1', disputeStatus: DisputeStatus.Lost, disputedPoints: 500 })],
    ])('about a purchase %s: nothing left to hold, already final', (_label, state) => {
      expect(decide(state, warning(), NOW)).toEqual(unchanged('already_final'));
    });

    it('a refund of a held purchase ends the hold after reversing its points', () => {
      expect(decide(held(), refund(300), NOW)).toEqual({
        outcome: 'partially_refunded',
        changes: { stripeChargeId: 'ch_1', stripeAmountRefundedCents: 300, refundedPoints: 151, fraudWarningStatus: FraudWarningStatus.Refunded },
        effects: [{ kind: 'reverse', points: 151, reason: 'refund', reversalKey: 'refund:42:300', netPaidCents: 699 }, { kind: 'unfreeze' }],
      });
    });

    it('a refund already applied does not end the hold', () => {
      expect(decide(held({ stripeAmountRefundedCents: 300, refundedPoints: 151 }), refund(300), NOW)).toEqual(unchanged('already_applied'));
    });

    it('a dispute of a held purchase, opened or closed lost first, ends the hold', () => {
      const created = decide(held(), disputeCreated(), NOW);
      expect([created.outcome, created.changes.fraudWarningStatus, created.effects.map((effect) => effect.kind)]).toEqual([
        'disputed',
        FraudWarningStatus.Disputed,
        ['reverse', 'unfreeze'],
      ]);
      const lostFirst = decide(held(), disputeClosed('lost'), NOW);
      expect([lostFirst.outcome, lostFirst.changes.fraudWarningStatus, lostFirst.effects.map((effect) => effect.kind)]).toEqual([
        'dispute_lost',
        FraudWarningStatus.Disputed,
        ['reverse', 'unfreeze'],
      ]);
    });

    it('a released warning is not ended again by a later refund', () => {
      const decision = decide(held({ fraudWarningStatus: FraudWarningStatus.Released }), refund(999), NOW);
      expect(decision.changes.fraudWarningStatus).toBeUndefined();
      expect(decision.effects).toEqual([expect.objectContaining({ kind: 'reverse' })]);
    });
  });

  describe(fraudRefundCents.name, () => {
    it.each([
      ['every point unspent: the whole price', {}, 500, 999],
      ['400 of 500 unspent: ⌊400 × 999 ÷ 500⌋, whose reversal is ⌈500 × 799 ÷ 999⌉ = 400 points', {}, 400, 799],
      ['1 point unspent', {}, 1, 1],
      ['none unspent: nothing', {}, 0, 0],
      ['after a refund of 3.00 € (151 points): up to the whole price again', { stripeAmountRefundedCents: 300, refundedPoints: 151 }, 349, 699],
      ['after a refund, part unspent: ⌊(151 + 100) × 999 ÷ 500⌋ − 300', { stripeAmountRefundedCents: 300, refundedPoints: 151 }, 100, 201],
      ['fully refunded: nothing', { stripeAmountRefundedCents: 999, refundedPoints: 500 }, 500, 0],
      ['a three-decimal currency: down to its step of 10', { currency: 'kwd', amountCents: 5120, stripeAmountPaidCents: 5120 }, 333, 3400],
    ] as const)('%s', (_label, state, unspent, expected) => {
      const sut = credited(state);
      const refunded = fraudRefundCents(sut, unspent);
      expect(refunded).toBe(expected);
      // Its reversal never takes back more points than were unspent: the invariant, checked through decide itself.
      if (refunded > 0) {
        const reversal = decide(sut, refund(sut.stripeAmountRefundedCents + refunded), NOW).effects.find((effect) => effect.kind === 'reverse');
        expect(reversal && 'points' in reversal ? reversal.points : 0).toBeLessThanOrEqual(unspent);
      }
    });

    it('never refunds so much that its reversal exceeds the unspent points, for any price, points and unspent count', () => {
      for (const [points, price] of [[100, 299], [500, 999], [1000, 1699], [7, 1000], [1000, 7]] as const) {
        for (let unspent = 0; unspent <= points; unspent += Math.max(1, Math.floor(points / 37))) {
          const sut = credited({ pointsAmount: points, amountCents: price, stripeAmountPaidCents: price });
          const refunded = fraudRefundCents(sut, unspent);
          const reversal = refunded === 0 ? 0 : (decide(sut, refund(refunded), NOW).effects[0] as { points: number }).points;
          expect({ points, price, unspent, over: reversal > unspent }).toEqual({ points, price, unspent, over: false });
          // And it is the largest such refund: one cent more would take back more (or there is nothing more to refund).
          if (refunded < price && refunded > 0) {
            const more = (decide(sut, refund(refunded + 1), NOW).effects[0] as { points: number }).points;
            expect(more).toBeGreaterThan(unspent);
          }
        }
      }
    });
  });

  describe(netPaidCents.name, () => {
    it('is what Stripe took less refunds, and nothing while a dispute holds or took the purchase', () => {
      expect(netPaidCents(credited())).toBe(999);
      expect(netPaidCents(credited({ stripeAmountRefundedCents: 850 }))).toBe(149);
      expect(netPaidCents(credited({ stripeAmountPaidCents: null, amountCents: 1699, stripeAmountRefundedCents: 850 }))).toBe(849);
      expect(netPaidCents(credited({ disputeStatus: DisputeStatus.Open }))).toBe(0);
      expect(netPaidCents(credited({ disputeStatus: DisputeStatus.Lost }))).toBe(0);
      expect(netPaidCents(credited({ disputeStatus: DisputeStatus.Won, stripeAmountRefundedCents: 100 }))).toBe(899);
    });
  });

  it('is pure: the same answer twice, the purchase untouched (it is frozen)', () => {
    const state = credited();
    expect(decide(state, refund(300), NOW)).toEqual(decide(state, refund(300), NOW));
    expect(state.refundedPoints).toBe(0);
  });
});
