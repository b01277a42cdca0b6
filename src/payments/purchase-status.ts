/** Where a purchase stands, and its dispute: the `status` and `dispute_status` columns of a purchase. */
export enum PurchaseStatus {
  Pending = 'pending',
  Completed = 'completed',
  Failed = 'failed',
  Expired = 'expired',
  Refunded = 'refunded',
}

export enum DisputeStatus {
  Open = 'open',
  Won = 'won',
  Lost = 'lost',
}

/** Where a purchase's early fraud warning stands: it holds the purchase while `active`. */
export enum FraudWarningStatus {
  Active = 'active',
  /** An admin found the payment genuine. */
  Released = 'released',
  Refunded = 'refunded',
  Disputed = 'disputed',
}

/**
 * The failure reason of a checkout whose Stripe session the service never received (the call failed
 * or timed out): Stripe may still have created the session, and the client may still pay it.
 */
export const CHECKOUT_SESSION_NOT_CREATED = 'checkout_session_not_created';

/**
 * The failure reason of an expired purchase whose session was expired before its time: the buyer
 * pressed Cancel (the emulator expires the session then) or the session was expired through the API.
 * Nothing was charged either way; the reader is told it was cancelled rather than that it expired.
 */
export const CHECKOUT_CANCELLED = 'checkout_cancelled';
