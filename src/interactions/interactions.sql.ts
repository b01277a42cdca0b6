/**
 * Pieces of SQL over `profile_client_interactions` for statements other modules run in one
 * snapshot with their own tables (the ledger verifier). The interactions module writes every text
 * that names its table; callers only place it.
 */
export const InteractionsSql = {
  /** Rows (id, points_balance, held_points, total_points_received): every interaction's cached balances. */
  cachedBalances: `SELECT id, points_balance, held_points, total_points_received FROM profile_client_interactions`,
  /** Rows (id, profile_id, client_id): which profile and client each interaction is about (joined by its primary key). */
  parties: `SELECT id, profile_id, client_id FROM profile_client_interactions`,
} as const;
