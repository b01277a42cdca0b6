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

export interface PaymentCapturedEvent extends PurchaseRef, PurchaseOrder {
  capturedAt: string;
}

export interface PointsCreditedEvent {
  transactionId: string;
  interactionId: string;
  /** Null when nobody handles the conversation: the points are held for the next moderator. */
  moderatorId: string | null;
  points: number;
}

export type ReversalReason = 'refund' | 'dispute';

/** Money given back (refund) or taken back by the bank (dispute): take the points back. */
export interface PaymentReversedEvent extends PurchaseRef {
  /** Who earned the purchase; null while its points are held for the next moderator. */
  moderatorId: string | null;
  points: number;
  reason: ReversalReason;
  /** Unique per reversal: the ledger refuses a second one with the same key. */
  reversalKey: string;
  /**
   * What the client has paid for the purchase once this reversal applies: paid, less every refund,
   * and 0 while a dispute holds it. The earner's money follows it (SPEC §11).
   */
  netPaidCents: number;
  occurredAt: string;
}

/** A dispute was won: give back what it reversed. */
export interface PaymentRestoredEvent extends PurchaseRef {
  moderatorId: string | null;
  points: number;
  restoreKey: string;
  /** The key of the reversal this restore undoes. */
  reversalKey: string;
  /** What the client has paid for the purchase once the dispute is won: paid less refunds. */
  netPaidCents: number;
  occurredAt: string;
}

/** One conversation of an assignment, and who handled it before. */
export interface AssignedInteraction {
  interactionId: string;
  clientId: string;
  profileId: string;
  previousModeratorId: string | null;
}

/**
 * Conversations now handled by `moderatorId` (or by nobody), assigned together in one transaction
 * (a profile's unhandled ones, or one): points held for them go to that moderator.
 */
export interface InteractionsModeratorAssignedEvent {
  moderatorId: string | null;
  interactions: AssignedInteraction[];
}

/** Payments captured together (one transaction); credited in one go, set-based. */
export interface PaymentsCapturedEvent {
  payments: PaymentCapturedEvent[];
}

export interface PointsCreditedBatchEvent {
  credits: PointsCreditedEvent[];
}

/**
 * The points held for these purchases are about to go to a moderator, in a transaction that already
 * holds their conversation. The purchases' owner locks them without waiting (NOWAIT): a purchase
 * comes before its conversation in the lock order (ARCHITECTURE.md), so waiting for it here could
 * close a cycle with a refund or a batch; a busy one fails the transaction with lock_not_available
 * (55P03) instead, and the assignment starts again.
 */
export interface PointsReleasingEvent {
  transactionIds: string[];
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
 * Clients' balances changed in this transaction (already written, their conversations locked): told
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
  'points.credited': PointsCreditedBatchEvent;
  'points.releasing': PointsReleasingEvent;
  'payment.reversed': PaymentReversedEvent;
  'payment.restored': PaymentRestoredEvent;
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
