/**
 * Pieces of SQL over `users` for statements other modules run in one snapshot with their own
 * tables. The users module writes every text that names its table; callers only place it.
 */
export const UsersSql = {
  /** A scalar subquery: the cached earned points of the user `userId` (a SQL expression), NULL when there is no such user. */
  points: (userId: string) => `(SELECT points::float8 FROM users WHERE id = ${userId})`,
  /** Rows (id, points) of every cached moderator balance: moderators', and any other user's that is not 0. */
  cachedPoints: `SELECT id, points FROM users WHERE role = 'moderator' OR points <> 0`,
  /**
   * Rows (id) of the users who are moderators now: only they earn. A moderator whose role changed
   * (demoted, or removed by the platform) or who was erased earns nothing more; what is bought afterwards for the
   * interactions they handled is held for the next moderator assigned.
   */
  currentModerators: `SELECT id FROM users WHERE role = 'moderator' AND erased_at IS NULL`,
} as const;
