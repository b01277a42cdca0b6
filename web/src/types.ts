/**
 * The shapes of the public API this client uses, as the service documents them at /docs-json.
 * Field names are the API's: request bodies in snake_case, answers in camelCase.
 */

export type Role = 'client' | 'moderator' | 'admin';

/** Every error answer: switch on `error`, show `message` only to developers, quote `correlationId`. */
export interface ApiErrorBody {
  status: number;
  error: string;
  message: string;
  details?: string[];
  correlationId?: string;
}

/** Keyset pages: pass `nextCursor` as `cursor` for the next page; null on the last one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Pack {
  /** What to send as `pack` to POST /profile-points/checkout. */
  code: string;
  points: number;
  /** Minor units of `currency` (cents for eur). */
  amountCents: number;
  currency: string;
  /** The server's own formatting; this client formats `amountCents` for the reader's language instead. */
  price: string;
}

/** GET /profile/{profile}/points */
export interface ProfilePoints {
  profile: { id: string; name: string };
  packs: Pack[];
  publishableKey: string;
  balance: { points: number; totalPointsReceived: number };
}

/** POST /profile-points/checkout */
export interface CheckoutRequest {
  profile_id: string;
  pack: string;
  /** The buyer's language for the Checkout line item ("500 points for Sophie"). */
  locale?: string;
}

export interface CheckoutResponse {
  sessionId: string;
  /** Send the buyer here (Stripe's hosted page). */
  url: string;
  transactionId: string;
}

export type TransactionStatus = 'pending' | 'completed' | 'failed' | 'expired' | 'refunded';

/** GET /profile-points/success and the transaction lists. */
export interface Transaction {
  id: string;
  status: TransactionStatus;
  clientId: string;
  profileId: string;
  moderatorId: string | null;
  pack: string;
  points: number;
  amountCents: number;
  currency: string;
  refundedPoints: number;
  failureReason: string | null;
  lot: { remaining: number; spent: number; taken: number } | null;
  creditedAt: string | null;
  createdAt: string;
}

export type EarningKind = 'attribution' | 'release' | 'reversal' | 'restore';

export interface EarningEntry {
  id: string;
  kind: EarningKind;
  /** Signed: + credited to the moderator, − taken back. */
  points: number;
  transactionId: string | null;
  createdAt: string;
  maturesAt: string | null;
}

/** GET /moderators/me/points */
export interface ModeratorPoints {
  balance: number;
  pending: number;
  available: number;
  maturityDays: number;
  history: Page<EarningEntry>;
}

/** GET /dev/demo-session: development only, absent in production. */
export interface DemoSession {
  profileId: string;
  profileName: string;
  users: Array<{ id: string; role: Role; name: string; email: string; token: string; expiresAt: string }>;
}

/** Socket.io namespace /notifications: every message carries its notification `id` (increasing per user). */
export interface PointsPurchased {
  id: string;
  transactionId: string;
  clientId: string;
  profileId: string;
  moderatorId: string;
  points: number;
  amountCents: number;
  currency: string;
  creditedAt: string;
}

export interface PointsReversed {
  id: string;
  transactionId: string;
  clientId: string;
  profileId: string;
  moderatorId: string;
  points: number;
  reason: 'refund' | 'dispute';
  moderatorBalance: number;
  alreadySpent: number;
  unrecovered: number;
  reversedAt: string;
}

export interface PointsRestored {
  id: string;
  transactionId: string;
  clientId: string;
  profileId: string;
  moderatorId: string;
  points: number;
  restoredAt: string;
}

export interface PurchaseCompleted {
  id: string;
  transactionId: string;
  clientId: string;
  profileId: string;
  points: number;
  amountCents: number;
  currency: string;
  creditedAt: string;
}

export interface PaymentFailed {
  id: string;
  transactionId: string;
  clientId: string;
  profileId: string;
  points: number;
  amountCents: number;
  currency: string;
  reason: 'async_payment_failed' | 'amount_mismatch' | 'currency_mismatch' | 'expired';
  failedAt: string;
}

export interface NotificationEvents {
  'points.purchased': PointsPurchased;
  'points.reversed': PointsReversed;
  'points.restored': PointsRestored;
  'purchase.completed': PurchaseCompleted;
  'payment.failed': PaymentFailed;
}

export type NotificationType = keyof NotificationEvents;

/** GET /notifications */
export interface StoredNotification<K extends NotificationType = NotificationType> {
  id: string;
  type: K;
  payload: Omit<NotificationEvents[K], 'id'>;
  readAt: string | null;
  createdAt: string;
}
