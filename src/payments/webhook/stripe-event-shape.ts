import type Stripe from 'stripe';

/**
 * The shape a signed Stripe event must have before any of it is written: the envelope, then, per
 * handled type, exactly the fields of `data.object` its handler reads. Stripe's objects carry many
 * more fields; those are never read, so they are never checked. A signature proves who sent the
 * body, not that its fields are what the handlers assume: a field of the wrong type or size would
 * otherwise fail on every retry (a 5xx) or, worse, be applied wrongly (a missing dispute id shared
 * by two disputes, a payment intent that is not an id stored as NULL).
 *
 * Pure and iterative: it walks only the fields it names, so a huge or deeply nested body costs
 * nothing more than a small one.
 */

export const SESSION_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
] as const;

/** Events about a charge, applied one per transaction: refunds, disputes, and the card issuer's early fraud warnings. */
export const CHARGE_EVENT_TYPES = ['charge.refunded', 'charge.dispute.created', 'charge.dispute.closed', 'radar.early_fraud_warning.created'] as const;

export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];
export type ChargeEventType = (typeof CHARGE_EVENT_TYPES)[number];
export type HandledEventType = SessionEventType | ChargeEventType;

/** Stripe's amounts have at most twelve digits (its largest currencies); all fit a bigint and a double. */
export const MAX_AMOUNT = 999_999_999_999;
/** 9999-12-31T23:59:59Z: a `created` beyond it is no date PostgreSQL and JavaScript share. */
export const MAX_CREATED = 253_402_300_799;
/** Stripe ids are at most 255 characters; printable ASCII without spaces keeps them safe in SQL, URLs and logs. */
const STRIPE_ID = /^[\x21-\x7e]{1,255}$/;
/** Stripe's own limit for client_reference_id. */
const MAX_REFERENCE_LENGTH = 200;

export const PAYMENT_STATUSES = ['paid', 'unpaid', 'no_payment_required'] as const;
export const DISPUTE_STATUSES = [
  'warning_needs_response',
  'warning_under_review',
  'warning_closed',
  'needs_response',
  'under_review',
  'won',
  'lost',
  'prevented',
  'appeal_needs_response',
  'appeal_under_review',
] as const;

export type StripeEventShape =
  | { kind: 'handled'; event: Stripe.Event & { type: HandledEventType } }
  | { kind: 'ignored'; type: string }
  | {
      kind: 'malformed';
      /** Which field is wrong and how, without its value: safe to log. */
      problem: string;
      /** The event's id when it is a usable one (the key to record it under), else null. */
      id: string | null;
      type: HandledEventType | null;
      created: number | null;
    };

/** What is wrong with a value (`null` when nothing is). */
type Check = (value: unknown) => string | null;
type Schema = ReadonlyArray<readonly [field: string, check: Check]>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The kind of a value, never its content: bodies must not reach the logs. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number') return `the number ${String(value).slice(0, 40)}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const fail = (value: unknown, expected: string) => `is ${kindOf(value)}; expected ${expected}`;

export const stripeId: Check = (value) =>
  typeof value === 'string' && STRIPE_ID.test(value) ? null : fail(value, 'an id of 1 to 255 printable characters');

export const amount: Check = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_AMOUNT
    ? null
    : fail(value, `an integer amount from 0 to ${MAX_AMOUNT}`);

export const currency: Check = (value) => (typeof value === 'string' && /^[A-Za-z]{3}$/.test(value) ? null : fail(value, 'a three-letter currency code'));

const shortText: Check = (value) =>
  typeof value === 'string' && value.length <= MAX_REFERENCE_LENGTH ? null : fail(value, `a string of at most ${MAX_REFERENCE_LENGTH} characters`);

function oneOf(values: readonly string[]): Check {
  return (value) => (typeof value === 'string' && values.includes(value) ? null : fail(value, `one of ${values.join(', ')}`));
}

/** A reference Stripe may expand: an id, or the object with its id. */
export const expandable: Check = (value) => {
  if (typeof value === 'string') return stripeId(value);
  if (isObject(value)) return stripeId(value.id) === null ? null : `is an object whose id is ${kindOf(value.id)}; expected an id`;
  return fail(value, 'an id or an object with an id');
};

/** Stripe's nullable fields: absent or null means "none", which the handlers read as such. */
function nullable(check: Check): Check {
  return (value) => (value === undefined || value === null ? null : check(value));
}

const SESSION: Schema = [
  ['id', stripeId],
  ['client_reference_id', nullable(shortText)],
  ['payment_intent', nullable(expandable)],
];
/**
 * A paid session is credited: what was paid is compared with the purchase, and its payment intent
 * is how refunds and disputes find the purchase later, so none of them may be absent.
 */
const PAID_SESSION: Schema = [
  ['id', stripeId],
  ['client_reference_id', nullable(shortText)],
  ['payment_status', oneOf(PAYMENT_STATUSES)],
  ['amount_total', amount],
  ['currency', currency],
  ['payment_intent', expandable],
];
const UNPAID_SESSION: Schema = [...SESSION, ['payment_status', oneOf(PAYMENT_STATUSES)]];
const REFUNDED_CHARGE: Schema = [
  ['id', stripeId],
  ['payment_intent', nullable(expandable)],
  ['amount_refunded', amount],
];
const DISPUTE: Schema = [
  ['id', stripeId],
  ['charge', expandable],
  ['payment_intent', nullable(expandable)],
];
const CLOSED_DISPUTE: Schema = [...DISPUTE, ['status', oneOf(DISPUTE_STATUSES)]];
/** `radar.early_fraud_warning`: the warned charge finds the purchase; `fraud_type` is only shown to the admins. */
const EARLY_FRAUD_WARNING: Schema = [
  ['id', stripeId],
  ['charge', expandable],
  ['payment_intent', nullable(expandable)],
  ['fraud_type', nullable(shortText)],
];

const paidOrNot = (object: Record<string, unknown>): Schema => (object.payment_status === 'paid' ? PAID_SESSION : UNPAID_SESSION);

/** Per handled type, the fields of `data.object` its handler reads (some depend on the object itself). */
const SCHEMAS: Record<HandledEventType, (object: Record<string, unknown>) => Schema> = {
  'checkout.session.completed': paidOrNot,
  'checkout.session.async_payment_succeeded': paidOrNot,
  'checkout.session.async_payment_failed': () => SESSION,
  'checkout.session.expired': () => SESSION,
  'charge.refunded': () => REFUNDED_CHARGE,
  'charge.dispute.created': () => DISPUTE,
  'charge.dispute.closed': () => CLOSED_DISPUTE,
  'radar.early_fraud_warning.created': () => EARLY_FRAUD_WARNING,
};

const isHandled = (type: string): type is HandledEventType => Object.hasOwn(SCHEMAS, type);

/** The kind of object (`data.object.object`) each handled type is about. */
const OBJECT_OF: Record<HandledEventType, string> = {
  'checkout.session.completed': 'checkout.session',
  'checkout.session.async_payment_succeeded': 'checkout.session',
  'checkout.session.async_payment_failed': 'checkout.session',
  'checkout.session.expired': 'checkout.session',
  'charge.refunded': 'charge',
  'charge.dispute.created': 'dispute',
  'charge.dispute.closed': 'dispute',
  'radar.early_fraud_warning.created': 'radar.early_fraud_warning',
};

/** Which Stripe account's events this service applies. */
export interface StripeAccount {
  /** Events of live mode (a live key) or of test mode (a test key, the emulator). */
  livemode: boolean;
}

/** The account a Stripe secret key belongs to, as far as its events tell: `sk_live_…`/`rk_live_…` is live mode. */
export function accountOfKey(secretKey: string): StripeAccount {
  return { livemode: /^(sk|rk)_live_/.test(secretKey) };
}

/**
 * Whether a signed event of a handled type is about this service's own payments: of the key's mode
 * (a live event signed with a test secret is someone's mistake, never to be credited), of the
 * account itself and not of an account connected to it (Connect events carry `account`), about
 * the kind of object its type names, and for a session, a one-time payment (this service sells no
 * subscription). Null when it is.
 */
function foreignProblem(event: Record<string, unknown>, object: Record<string, unknown>, type: HandledEventType, account: StripeAccount): string | null {
  if (event.livemode !== account.livemode) {
    return `event.livemode ${fail(event.livemode, `${account.livemode} (this service's Stripe key is ${account.livemode ? 'a live' : 'a test'} key)`)}`;
  }
  if (event.account !== undefined && event.account !== null) return `event.account is set: the event of a connected account, not of this service's own`;
  if (object.object !== OBJECT_OF[type]) return `data.object.object ${fail(object.object, `"${OBJECT_OF[type]}" for ${type}`)}`;
  if (OBJECT_OF[type] === 'checkout.session' && object.mode !== 'payment') return `data.object.mode ${fail(object.mode, '"payment" (a one-time payment)')}`;
  return null;
}

const created: Check = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_CREATED
    ? null
    : fail(value, `a Unix time in seconds from 0 to ${MAX_CREATED}`);

function firstProblem(object: Record<string, unknown>, schema: Schema, path: string): string | null {
  for (const [field, check] of schema) {
    const problem = check(object[field]);
    if (problem !== null) return `${path}.${field} ${problem}`;
  }
  return null;
}

/**
 * Classifies a signed payload (any JSON value): a handled event of `account` whose read fields are
 * all sound, an event of a type this service does not handle (nothing of it is read), or a
 * malformed one, with the first problem found (an event about another account's payments, or
 * another kind of object, is one: it can never be applied here).
 */
export function checkStripeEvent(payload: unknown, account: StripeAccount): StripeEventShape {
  if (!isObject(payload)) return { kind: 'malformed', problem: `the event ${fail(payload, 'an object')}`, id: null, type: null, created: null };
  const { type } = payload;
  const id = stripeId(payload.id) === null ? (payload.id as string) : null;
  const when = created(payload.created) === null ? (payload.created as number) : null;
  const malformed = (problem: string, handled: HandledEventType | null = null): StripeEventShape => ({
    kind: 'malformed',
    problem,
    id,
    type: handled,
    created: when,
  });

  if (typeof type !== 'string') return malformed(`type ${fail(type, 'a string')}`);
  if (!isHandled(type)) return { kind: 'ignored', type };

  const envelope = firstProblem(payload, [['id', stripeId], ['created', created]], 'event') ?? (isObject(payload.data) ? null : `data ${fail(payload.data, 'an object')}`);
  if (envelope !== null) return malformed(envelope, type);
  const object = (payload.data as Record<string, unknown>).object;
  if (!isObject(object)) return malformed(`data.object ${fail(object, 'an object')}`, type);

  const problem = foreignProblem(payload, object, type, account) ?? firstProblem(object, SCHEMAS[type](object), 'data.object');
  if (problem !== null) return malformed(problem, type);
  return { kind: 'handled', event: payload as unknown as Stripe.Event & { type: HandledEventType } };
}
