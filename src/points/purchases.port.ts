/**
 * What the points module needs of the purchases' owner (payments) when it releases held points to
 * a moderator: points defines it, payments provides it (`PURCHASES_PORT`), so that points never
 * imports payments.
 */
export interface PurchasesPort {
  /**
   * Locks the purchases without waiting. The release already holds their interactions, and a
   * purchase comes before its interaction in the lock order (ARCHITECTURE.md), so waiting here
   * could close a cycle with a refund or a batch that holds one of them: a busy purchase fails the
   * transaction with lock_not_available (55P03) instead, and the assignment starts again.
   */
  lockForRelease(transactionIds: readonly string[]): Promise<void>;
  /** Records on the purchases the moderator who earns them from now on. */
  recordModerator(transactionIds: readonly string[], moderatorId: string): Promise<void>;
}

/** The injection token of the PurchasesPort. */
export const PURCHASES_PORT = Symbol('PurchasesPort');
