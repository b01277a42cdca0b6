/**
 * Pieces of SQL over purchases for statements other modules run in one snapshot with their own
 * tables (the ledger verifier). The payments module writes every text that names its table.
 */
export const PurchaseSql = {
  /** Rows (id, points_amount) of every purchase whose points were credited (completed, or refunded since). */
  credited: `SELECT id, points_amount FROM profile_point_transactions WHERE status IN ('completed', 'refunded')`,
} as const;
