import { chargeableStep } from '../../src/common/currencies';
import { StripeApiError } from './errors';
import { newId, nowSeconds } from './ids';
import { formatAmount, minimumChargeAmount } from './money';
import {
  ChargeObject,
  ChargeStatus,
  CheckoutLineItemObject,
  CheckoutSessionObject,
  DisputeObject,
  EarlyFraudWarningObject,
  Metadata,
  PaymentIntentObject,
  RefundObject,
  STRIPE_API_VERSION,
  StripeEventDataObject,
  StripeEventObject,
} from './objects';
import { CheckoutSessionInput, LineItemInput, RefundInput } from './requests';

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
/** Stripe's upper bound for a single amount (eight digits of minor units). */
const MAX_AMOUNT = 99_999_999;
/** Slack for clocks a second apart when a client computes expires_at as "now + 30 minutes". */
const EXPIRY_LEEWAY = MINUTE;

export interface StripeEngineOptions {
  checkoutUrl(sessionId: string): string;
  clock?: () => number;
}

export interface SessionListFilter {
  paymentIntent?: string;
  status?: string;
  /** Creation time bounds, in seconds, inclusive (Stripe's `created[gte]`, `created[lte]`). */
  createdFrom?: number;
  createdUntil?: number;
  /** The page after this session id (Stripe's `starting_after`). */
  startingAfter?: string;
  limit: number;
}

export interface Transition<T> {
  object: T;
  events: StripeEventObject[];
}

interface SessionRecord {
  session: CheckoutSessionObject;
  lineItems: CheckoutLineItemObject[];
  paymentIntentMetadata: Metadata;
}

interface AsyncPayment {
  session: CheckoutSessionObject;
  paymentIntent: PaymentIntentObject;
  charge: ChargeObject;
}

/**
 * The emulated Stripe account: objects, the state transitions this service relies on, and the
 * events they emit. Only the event types the service's webhook endpoint subscribes to are emitted,
 * as Stripe does for an endpoint with a restricted event list.
 */
export class StripeEngine {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly paymentIntents = new Map<string, PaymentIntentObject>();
  private readonly charges = new Map<string, ChargeObject>();
  private readonly refunds = new Map<string, RefundObject>();
  private readonly disputes = new Map<string, DisputeObject>();
  private readonly fraudWarnings = new Map<string, EarlyFraudWarningObject>();
  private readonly eventLog: StripeEventObject[] = [];
  private readonly clock: () => number;

  constructor(private readonly options: StripeEngineOptions) {
    this.clock = options.clock ?? nowSeconds;
  }

  createCheckoutSession(input: CheckoutSessionInput): CheckoutSessionObject {
    const created = this.clock();
    const lineItems = input.lineItems.map(toLineItemObject);
    const currency = lineItems[0].currency;
    const total = lineItems.reduce((sum, item) => sum + item.amount_total, 0);
    assertChargeable(total, currency);
    const id = newId('cs_test_', 58);
    const session: CheckoutSessionObject = {
      id,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: total,
      amount_total: total,
      currency,
      client_reference_id: input.clientReferenceId,
      customer_email: input.customerEmail,
      metadata: { ...input.metadata },
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
      url: this.options.checkoutUrl(id),
      payment_intent: null,
      payment_method_types: [...input.paymentMethodTypes],
      created,
      expires_at: validExpiry(input.expiresAt, created),
      locale: input.locale,
      livemode: false,
    };
    this.sessions.set(id, { session, lineItems, paymentIntentMetadata: { ...input.paymentIntentMetadata } });
    return session;
  }

  checkoutUrl(sessionId: string): string {
    return this.options.checkoutUrl(sessionId);
  }

  session(id: string): CheckoutSessionObject {
    return this.sessionRecord(id).session;
  }

  findSession(id: string): CheckoutSessionObject | undefined {
    return this.sessions.get(id)?.session;
  }

  lineItems(sessionId: string): CheckoutLineItemObject[] {
    return this.sessionRecord(sessionId).lineItems;
  }

  listSessions(filter: SessionListFilter): { data: CheckoutSessionObject[]; hasMore: boolean } {
    const matching = [...this.sessions.values()]
      .map((record) => record.session)
      .filter((session) => filter.paymentIntent === undefined || session.payment_intent === filter.paymentIntent)
      .filter((session) => filter.status === undefined || session.status === filter.status)
      .filter((session) => (filter.createdFrom === undefined || session.created >= filter.createdFrom) && (filter.createdUntil === undefined || session.created <= filter.createdUntil))
      .reverse();
    // Newest first, as Stripe lists; a page starts after the session it names.
    const start = filter.startingAfter === undefined ? 0 : matching.findIndex((session) => session.id === filter.startingAfter) + 1;
    const page = matching.slice(start, start + filter.limit);
    return { data: page, hasMore: matching.length > start + filter.limit };
  }

  paySession(id: string, options: { async: boolean }): StripeEventObject[] {
    const { session, paymentIntentMetadata } = this.openSessionRecord(id, 'paid');
    const created = this.clock();
    const paymentIntent: PaymentIntentObject = {
      id: newId('pi_'),
      object: 'payment_intent',
      amount: session.amount_total,
      amount_received: options.async ? 0 : session.amount_total,
      currency: session.currency,
      status: options.async ? 'processing' : 'succeeded',
      latest_charge: null,
      metadata: { ...session.metadata, ...paymentIntentMetadata },
      payment_method_types: [...session.payment_method_types],
      created,
      livemode: false,
    };
    const charge = newCharge(paymentIntent, options.async ? 'pending' : 'succeeded', created);
    paymentIntent.latest_charge = charge.id;
    this.paymentIntents.set(paymentIntent.id, paymentIntent);
    this.charges.set(charge.id, charge);
    session.status = 'complete';
    session.payment_status = options.async ? 'unpaid' : 'paid';
    session.payment_intent = paymentIntent.id;
    session.url = null;
    return [this.emit('checkout.session.completed', session)];
  }

  succeedAsyncPayment(sessionId: string): StripeEventObject[] {
    const { session, paymentIntent, charge } = this.asyncPayment(sessionId);
    paymentIntent.status = 'succeeded';
    paymentIntent.amount_received = paymentIntent.amount;
    charge.status = 'succeeded';
    charge.paid = true;
    charge.amount_captured = charge.amount;
    session.payment_status = 'paid';
    return [this.emit('checkout.session.async_payment_succeeded', session)];
  }

  failAsyncPayment(sessionId: string): StripeEventObject[] {
    const { session, paymentIntent, charge } = this.asyncPayment(sessionId);
    paymentIntent.status = 'requires_payment_method';
    charge.status = 'failed';
    charge.failure_code = 'insufficient_funds';
    charge.failure_message = 'The emulated bank transfer failed.';
    return [this.emit('checkout.session.async_payment_failed', session)];
  }

  /** True while a session paid by a delayed method (bank transfer) waits for the bank's answer. */
  awaitsAsyncPayment(sessionId: string): boolean {
    const session = this.findSession(sessionId);
    const paymentIntent = session?.payment_intent ? this.paymentIntents.get(session.payment_intent) : undefined;
    return session?.status === 'complete' && paymentIntent?.status === 'processing';
  }

  expireSession(id: string): StripeEventObject[] {
    const { session } = this.openSessionRecord(id, 'expired');
    session.status = 'expired';
    session.url = null;
    return [this.emit('checkout.session.expired', session)];
  }

  /** Stripe expires open sessions by itself once expires_at has passed. */
  expireDueSessions(): StripeEventObject[] {
    const now = this.clock();
    return [...this.sessions.values()]
      .filter(({ session }) => session.status === 'open' && session.expires_at <= now)
      .flatMap(({ session }) => this.expireSession(session.id));
  }

  paymentIntent(id: string): PaymentIntentObject {
    return lookup(this.paymentIntents, 'payment_intent', id);
  }

  charge(id: string): ChargeObject {
    return lookup(this.charges, 'charge', id);
  }

  refundById(id: string): RefundObject {
    return lookup(this.refunds, 'refund', id);
  }

  dispute(id: string): DisputeObject {
    return lookup(this.disputes, 'dispute', id);
  }

  refund(input: RefundInput): Transition<RefundObject> {
    const charge = this.chargeFor(input);
    if (input.amount !== undefined && (!Number.isSafeInteger(input.amount) || input.amount <= 0)) {
      throw StripeApiError.invalid('Invalid amount: must be a positive integer', 'amount', 'parameter_invalid_integer');
    }
    if (charge.status !== 'succeeded') {
      throw StripeApiError.invalid(`Charge ${charge.id} has status ${charge.status}; only succeeded charges can be refunded.`);
    }
    const dispute = this.disputeOf(charge.id);
    if (dispute !== undefined && dispute.status !== 'won') {
      throw StripeApiError.invalid(`Charge ${charge.id} has been charged back; cannot issue a refund.`, undefined, 'charge_disputed');
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining === 0) {
      throw StripeApiError.invalid(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
    }
    const amount = input.amount ?? remaining;
    if (amount > remaining) {
      throw StripeApiError.invalid(
        `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
        'amount',
        'amount_too_large',
      );
    }
    const refund: RefundObject = {
      id: newId('re_'),
      object: 'refund',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      reason: input.reason ?? null,
      status: 'succeeded',
      metadata: { ...input.metadata },
      created: this.clock(),
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    charge.refunds.data.unshift(refund);
    return { object: refund, events: [this.emit('charge.refunded', charge)] };
  }

  createDispute(chargeOrPaymentIntentId: string): Transition<DisputeObject> {
    const charge = chargeOrPaymentIntentId.startsWith('pi_')
      ? this.chargeFor({ paymentIntent: chargeOrPaymentIntentId })
      : this.charge(chargeOrPaymentIntentId);
    if (charge.status !== 'succeeded') {
      throw StripeApiError.invalid(`Charge ${charge.id} has status ${charge.status}; only succeeded charges can be disputed.`);
    }
    if (this.disputeOf(charge.id) !== undefined) throw StripeApiError.invalid(`Charge ${charge.id} is already disputed.`);
    const amount = charge.amount - charge.amount_refunded;
    if (amount === 0) throw StripeApiError.invalid(`Charge ${charge.id} is fully refunded; there is nothing to dispute.`);
    const dispute: DisputeObject = {
      id: newId('du_'),
      object: 'dispute',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      status: 'needs_response',
      reason: 'fraudulent',
      metadata: {},
      created: this.clock(),
      livemode: false,
    };
    this.disputes.set(dispute.id, dispute);
    charge.disputed = true;
    return { object: dispute, events: [this.emit('charge.dispute.created', dispute)] };
  }

  closeDispute(id: string, status: string): Transition<DisputeObject> {
    const dispute = this.dispute(id);
    if (status !== 'won' && status !== 'lost') throw StripeApiError.invalid('Invalid status: must be won or lost', 'status');
    if (dispute.status !== 'needs_response') throw StripeApiError.invalid(`Dispute ${id} is already closed (${dispute.status}).`);
    dispute.status = status;
    return { object: dispute, events: [this.emit('charge.dispute.closed', dispute)] };
  }

  earlyFraudWarningById(id: string): EarlyFraudWarningObject {
    return lookup(this.fraudWarnings, 'radar.early_fraud_warning', id);
  }

  /**
   * The card's issuer reports a succeeded charge as likely fraud (Radar's early fraud warning), days
   * before the cardholder would dispute it. One per charge; `actionable` while the charge can still
   * be refunded (neither fully refunded nor disputed).
   */
  createEarlyFraudWarning(chargeOrPaymentIntentId: string): Transition<EarlyFraudWarningObject> {
    const charge = chargeOrPaymentIntentId.startsWith('pi_')
      ? this.chargeFor({ paymentIntent: chargeOrPaymentIntentId })
      : this.charge(chargeOrPaymentIntentId);
    if (charge.status !== 'succeeded') {
      throw StripeApiError.invalid(`Charge ${charge.id} has status ${charge.status}; only succeeded charges get early fraud warnings.`);
    }
    if (this.fraudWarningOf(charge.id) !== undefined) throw StripeApiError.invalid(`Charge ${charge.id} already has an early fraud warning.`);
    const warning: EarlyFraudWarningObject = {
      id: newId('issfr_'),
      object: 'radar.early_fraud_warning',
      actionable: !charge.refunded && !charge.disputed,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      fraud_type: 'made_with_stolen_card',
      created: this.clock(),
      livemode: false,
    };
    this.fraudWarnings.set(warning.id, warning);
    return { object: warning, events: [this.emit('radar.early_fraud_warning.created', warning)] };
  }

  /** The succeeded charge of a completed session, if any. */
  paidCharge(sessionId: string): ChargeObject | undefined {
    const session = this.findSession(sessionId);
    const paymentIntent = session?.payment_intent ? this.paymentIntents.get(session.payment_intent) : undefined;
    const charge = paymentIntent?.latest_charge ? this.charges.get(paymentIntent.latest_charge) : undefined;
    return session?.status === 'complete' && charge?.status === 'succeeded' ? charge : undefined;
  }

  fraudWarningOf(chargeId: string): EarlyFraudWarningObject | undefined {
    return [...this.fraudWarnings.values()].find((warning) => warning.charge === chargeId);
  }

  recordEvent(type: string, object: StripeEventDataObject): StripeEventObject {
    return this.emit(type, object);
  }

  event(id: string): StripeEventObject {
    const event = this.eventLog.find((candidate) => candidate.id === id);
    if (event === undefined) throw StripeApiError.noSuch('event', id);
    return event;
  }

  events(): readonly StripeEventObject[] {
    return this.eventLog;
  }

  private sessionRecord(id: string): SessionRecord {
    return lookup(this.sessions, 'checkout.session', id);
  }

  private openSessionRecord(id: string, becoming: 'paid' | 'expired'): SessionRecord {
    const record = this.sessionRecord(id);
    if (record.session.status !== 'open') {
      throw StripeApiError.invalid(`Checkout Session ${id} is ${record.session.status}; only an open session can be ${becoming}.`);
    }
    return record;
  }

  private asyncPayment(sessionId: string): AsyncPayment {
    const session = this.session(sessionId);
    const paymentIntent = session.payment_intent === null ? undefined : this.paymentIntents.get(session.payment_intent);
    const charge = paymentIntent?.latest_charge === null || paymentIntent?.latest_charge === undefined ? undefined : this.charges.get(paymentIntent.latest_charge);
    if (paymentIntent?.status !== 'processing' || charge === undefined) {
      throw StripeApiError.invalid(`Checkout Session ${sessionId} has no asynchronous payment in progress.`);
    }
    return { session, paymentIntent, charge };
  }

  private chargeFor(input: { paymentIntent?: string; charge?: string }): ChargeObject {
    if (input.charge !== undefined) {
      const charge = lookup(this.charges, 'charge', input.charge, 'charge');
      if (input.paymentIntent !== undefined && charge.payment_intent !== input.paymentIntent) {
        throw StripeApiError.invalid(`Charge ${charge.id} does not belong to PaymentIntent ${input.paymentIntent}.`, 'payment_intent');
      }
      return charge;
    }
    if (input.paymentIntent === undefined) {
      throw StripeApiError.invalid('You must provide either a charge or a payment_intent.', 'charge', 'parameter_missing');
    }
    const paymentIntent = lookup(this.paymentIntents, 'payment_intent', input.paymentIntent, 'payment_intent');
    if (paymentIntent.latest_charge === null) {
      throw StripeApiError.invalid(`PaymentIntent ${paymentIntent.id} has no charge.`, 'payment_intent');
    }
    return this.charge(paymentIntent.latest_charge);
  }

  private disputeOf(chargeId: string): DisputeObject | undefined {
    return [...this.disputes.values()].find((dispute) => dispute.charge === chargeId);
  }

  private emit(type: string, object: StripeEventDataObject): StripeEventObject {
    const event: StripeEventObject = {
      id: newId('evt_'),
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: this.clock(),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: structuredClone(object) },
    };
    this.eventLog.push(event);
    return event;
  }
}

function toLineItemObject(input: LineItemInput, index: number): CheckoutLineItemObject {
  if (input.unitAmount > MAX_AMOUNT) {
    const param = `line_items[${index}][price_data][unit_amount]`;
    throw StripeApiError.invalid(`Invalid ${param}: must be at most ${MAX_AMOUNT}`, param, 'amount_too_large');
  }
  const amount = input.unitAmount * input.quantity;
  return {
    id: newId('li_'),
    object: 'item',
    description: input.name,
    quantity: input.quantity,
    amount_subtotal: amount,
    amount_total: amount,
    amount_discount: 0,
    amount_tax: 0,
    currency: input.currency,
    price: { id: newId('price_'), object: 'price', currency: input.currency, unit_amount: input.unitAmount, product: newId('prod_', 14), type: 'one_time' },
  };
}

function assertChargeable(total: number, currency: string): void {
  if (!Number.isSafeInteger(total) || total > MAX_AMOUNT) {
    throw StripeApiError.invalid(`Amount must be no more than ${formatAmount(MAX_AMOUNT, currency)}`, 'line_items', 'amount_too_large');
  }
  if (total % chargeableStep(currency) !== 0) {
    throw StripeApiError.invalid(
      `Amounts in ${currency} must be multiples of ${chargeableStep(currency)}: the last of the three decimals must be 0`,
      'line_items',
      'invalid_amount',
    );
  }
  const minimum = minimumChargeAmount(currency);
  if (minimum !== undefined && total < minimum) {
    throw StripeApiError.invalid(
      `The Checkout Session's total amount due must add up to at least ${formatAmount(minimum, currency)}`,
      'line_items',
      'amount_too_small',
    );
  }
}

function validExpiry(expiresAt: number | null, created: number): number {
  if (expiresAt === null) return created + DAY;
  if (expiresAt < created + 30 * MINUTE - EXPIRY_LEEWAY || expiresAt > created + DAY + EXPIRY_LEEWAY) {
    throw StripeApiError.invalid(
      'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
      'expires_at',
    );
  }
  return expiresAt;
}

function newCharge(paymentIntent: PaymentIntentObject, status: ChargeStatus, created: number): ChargeObject {
  const id = newId('ch_');
  const succeeded = status === 'succeeded';
  return {
    id,
    object: 'charge',
    amount: paymentIntent.amount,
    amount_captured: succeeded ? paymentIntent.amount : 0,
    amount_refunded: 0,
    currency: paymentIntent.currency,
    status,
    paid: succeeded,
    captured: true,
    refunded: false,
    disputed: false,
    failure_code: null,
    failure_message: null,
    payment_intent: paymentIntent.id,
    metadata: { ...paymentIntent.metadata },
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
    created,
    livemode: false,
  };
}

function lookup<T>(map: ReadonlyMap<string, T>, kind: string, id: string, param = 'id'): T {
  const found = map.get(id);
  if (found === undefined) throw StripeApiError.noSuch(kind, id, param);
  return found;
}
