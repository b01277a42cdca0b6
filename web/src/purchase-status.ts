import type { PurchaseStatus } from './types';

/** What the page after Checkout shows for a purchase. */
export type PurchaseView = 'confirming' | 'waiting-bank' | 'completed' | 'failed' | 'expired' | 'cancelled' | 'refunded';

/** The API's failureReason of an expired purchase whose buyer pressed Cancel on the checkout page. */
export const CHECKOUT_CANCELLED = 'checkout_cancelled';

/**
 * A card payment is usually confirmed (by the signed webhook) before or just after the buyer lands on
 * the page; a purchase still pending after this long is waiting for a delayed method (bank transfer,
 * SEPA debit…), which can take days. The API does not say which method was used, so time decides.
 */
export const BANK_WAIT_AFTER_MS = 4_000;

export function purchaseView(status: PurchaseStatus, watchedForMs: number, failureReason: string | null = null): PurchaseView {
  if (status === 'pending') return watchedForMs < BANK_WAIT_AFTER_MS ? 'confirming' : 'waiting-bank';
  if (status === 'expired' && failureReason === CHECKOUT_CANCELLED) return 'cancelled';
  return status;
}

/** A purchase's status as a list shows it: an expired checkout that the buyer cancelled reads "cancelled". */
export function shownStatus(purchase: { status: PurchaseStatus; failureReason: string | null }): PurchaseStatus | 'cancelled' {
  return purchase.status === 'expired' && purchase.failureReason === CHECKOUT_CANCELLED ? 'cancelled' : purchase.status;
}

export function isFinal(view: PurchaseView): boolean {
  return view !== 'confirming' && view !== 'waiting-bank';
}

/**
 * How long to wait before asking again. Each answer for a pending purchase makes the service check
 * with Stripe, so the page asks often only at first; the socket's purchase.completed and
 * payment.failed alerts refresh it at once anyway.
 */
export function nextPollDelayMs(watchedForMs: number): number {
  if (watchedForMs < 20_000) return 1_500;
  if (watchedForMs < 120_000) return 5_000;
  return 30_000;
}
