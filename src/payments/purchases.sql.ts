/**
 * Pieces of SQL over purchases for statements other modules run in one snapshot with their own
 * tables (the ledger verifier). The payments module writes every text that names its table.
 */
export const PurchaseSql = {
  /** Rows (id, points_amount) of every purchase whose points were credited (completed, or refunded since). */
  credited: `SELECT id, points_amount FROM profile_point_transactions WHERE status IN ('completed', 'refunded')`,
  /**
   * Rows (id, net_paid_cents) of every credited purchase: what the client has paid for it so far,
   * Stripe's paid amount (else the price) less every refund, and 0 while a dispute holds it (open)
   * or took it (lost). The moderator's money for a purchase is a share of it (SPEC §11); the same
   * rule as `netPaidCents` of outcomes/decide.ts.
   */
  netPaid: `SELECT id, CASE WHEN dispute_status IN ('open', 'lost') THEN 0
                          ELSE greatest(coalesce(stripe_amount_paid_cents, amount_cents) - stripe_amount_refunded_cents, 0) END AS net_paid_cents
              FROM profile_point_transactions WHERE status IN ('completed', 'refunded')`,
} as const;
