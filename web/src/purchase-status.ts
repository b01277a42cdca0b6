import type { TransactionStatus } from './types';

/** What the page after Checkout shows for a purchase. */
export type PurchaseView = 'confirming' | 'waiting-bank' | 'completed' | 'failed' | 'expired' | 'refunded';

/**
 * A card payment is usually confirmed (by the signed webhook) before or just after the buyer lands on
 * the page; a purchase still pending after this long is waiting for a delayed method (bank transfer,
 * SEPA debit…), which can take days. The API does not say which method was used, so time decides.
 */
export const BANK_WAIT_AFTER_MS = 4_000;

export function purchaseView(status: TransactionStatus, watchedForMs: number): PurchaseView {
  if (status === 'pending') return watchedForMs < BANK_WAIT_AFTER_MS ? 'confirming' : 'waiting-bank';
  return status;
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
