/**
 * The contract between modules. Two kinds of events, checked by the compiler:
 * - transaction events are emitted inside a database transaction and their listeners join it, so a
 *   failing listener rolls the whole change back;
 * - integration events are written to the outbox with the change and published after commit, so
 *   they can reach the outside world (sockets, notifications) and survive a crash right after commit.
 */

/** Which purchase an event is about, and whose: every purchase event starts with these. */
export interface PurchaseRef {
  transactionId: string;
  clientId: string;
  profileId: string;
}

/** What the client ordered and paid for it (minor units, ISO 4217 currency in lower case). */
export interface PurchaseOrder {
  points: number;
  amountCents: number;
  currency: string;
}

/** A payment Stripe captured, as the purchase it pays is credited: by the points module, in the capturing transaction. */
export interface CapturedPayment extends PurchaseRef, PurchaseOrder {
  capturedAt: string;
}

export type ReversalReason = 'refund' | 'dispute';

/** One interaction of an assignment, and who handled it before. */
export interface AssignedInteraction {
  interactionId: string;
  clientId: string;
  profileId: string;
  previousModeratorId: string | null;
}

/**
 * Interactions now handled by `moderatorId` (or by nobody), assigned together in one transaction
 * (a profile's unhandled ones, or one): points held for them go to that moderator.
 */
export interface InteractionsModeratorAssignedEvent {
  moderatorId: string | null;
  interactions: AssignedInteraction[];
}

/**
 * Payments captured and credited together in this transaction (a fact, for the metrics: the
 * crediting itself is the points module's `PurchasePoints.credit`, called by payments).
 */
export interface PaymentsCapturedEvent {
  payments: CapturedPayment[];
}

/** A client spent points of one balance (a new spend, not a replayed idempotency key). */
export interface PointsSpentEvent {
  spendId: string;
  interactionId: string;
  points: number;
}

/**
 * What changed a client's balance for a profile, named as the platform is told (SPEC §10): each
 * member is one event type and its own fields. A new kind of change is one more member here, emitted
 * with `balances.changed` where it happens.
 */
export type BalanceCause =
  | { type: 'purchase.completed'; transactionId: string; moderatorId: string | null; points: number; amountCents: number; currency: string }
  | { type: 'purchase.reversed'; transactionId: string; points: number; reason: ReversalReason }
  | { type: 'purchase.restored'; transactionId: string; points: number }
  | { type: 'points.spent'; points: number; reason: string; idempotencyKey: string }
  | { type: 'points.granted'; points: number; reason: string; idempotencyKey: string }
  | { type: 'points.frozen'; transactionId: string; points: number }
  | { type: 'points.unfrozen'; transactionId: string; points: number };

/** One change of one client's balance for one profile, and what caused it. */
export type BalanceChanged = { clientId: string; profileId: string; occurredAt: string } & BalanceCause;

/**
 * Clients' balances changed in this transaction (already written, their interactions locked): told
 * so that listeners can record what follows from it with the change (the platform's webhooks).
 */
export interface BalancesChangedEvent {
  changes: BalanceChanged[];
}

/**
 * The platform erased a user (name and e-mail already removed, in this transaction). Listeners
 * remove what else identifies them or would still pay them, and join the erasure's transaction.
 */
export interface UserErasedEvent {
  userId: string;
  /** The role the user had: a moderator's money may need holding. */
  role: string;
}

export interface TransactionEvents {
  'payments.captured': PaymentsCapturedEvent;
  'points.spent': PointsSpentEvent;
  'balances.changed': BalancesChangedEvent;
  'interactions.moderator_assigned': InteractionsModeratorAssignedEvent;
  'users.erased': UserErasedEvent;
}

export interface PurchaseCompletedEvent extends PurchaseRef, PurchaseOrder {
  creditedAt: string;
}

/** The same purchase, told to the moderator credited. */
export interface PointsPurchasedEvent extends PurchaseCompletedEvent {
  moderatorId: string;
}

/** Points taken back from a moderator (refund or dispute); `points` is this reversal only. */
export interface PointsReversedEvent extends PurchaseRef {
  moderatorId: string;
  points: number;
  reason: ReversalReason;
  /** The moderator's balance after the reversal; negative when the points were already paid out. */
  moderatorBalance: number;
  /** Points of the purchase the client had already spent when it was reversed. */
  alreadySpent: number;
  /** Points of this reversal the client no longer had: their balance for the profile went negative by this much. */
  unrecovered: number;
  reversedAt: string;
}

/** Points given back to a moderator when a dispute is won. */
export interface PointsRestoredEvent extends PurchaseRef {
  moderatorId: string;
  points: number;
  restoredAt: string;
}

export type PaymentFailureReason = 'async_payment_failed' | 'amount_mismatch' | 'currency_mismatch' | 'expired';

/** A purchase that will not be credited: tell the client. */
export interface PaymentFailedEvent extends PurchaseRef, PurchaseOrder {
  reason: PaymentFailureReason;
  failedAt: string;
}

/** Admins: Stripe warned that a charge is likely fraud; the purchase is held until it is refunded, disputed or released. */
export interface FraudWarningCreatedEvent extends PurchaseRef, PurchaseOrder {
  warningId: string;
  /** Stripe's `fraud_type` (e.g. `made_with_stolen_card`), `unknown` when it gave none. */
  fraudType: string;
  /** Unspent points of the purchase, now frozen. */
  frozenPoints: number;
  /** What EFW_AUTO_REFUND asked Stripe to refund (the unspent points' price); 0 when nothing. */
  refundCents: number;
  warnedAt: string;
}

/** After commit, ask Stripe for a refund an early fraud warning decided (EFW_AUTO_REFUND). */
export interface FraudRefundRequestedEvent extends PurchaseRef {
  warningId: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  amountCents: number;
  currency: string;
}

/** Admins: a moderator's bank details for payouts changed (set, replaced or erased); they apply from the next run. */
export interface PayoutDetailsChangedEvent {
  moderatorId: string;
  /** `set`: new or replaced details; `removed`: erased (an erasure of the moderator). */
  change: 'set' | 'removed';
  /** The last four characters of the new IBAN; empty when the details were removed. */
  ibanEnding: string;
  /** Who changed them: the moderator, or the platform (`PUT /integration/users/:id`, an erasure). */
  changedBy: 'moderator' | 'platform';
  changedAt: string;
}

export interface IntegrationEvents {
  'points.purchased': PointsPurchasedEvent;
  'purchase.completed': PurchaseCompletedEvent;
  'points.reversed': PointsReversedEvent;
  'points.restored': PointsRestoredEvent;
  'payment.failed': PaymentFailedEvent;
  'fraud_warning.created': FraudWarningCreatedEvent;
  'fraud_refund.requested': FraudRefundRequestedEvent;
  'payout_details.changed': PayoutDetailsChangedEvent;
}

/** What an integration event listener receives: the payload plus the outbox identity of the event. */
export type Published<K extends keyof IntegrationEvents> = IntegrationEvents[K] & { eventId: string };
