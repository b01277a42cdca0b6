/**
 * Pieces of SQL over `profiles` for statements other modules run, where a profile must be read
 * under a lock in the same statement as their own rows. The profiles module writes every text that
 * names its table; callers only place it. Builders take SQL expressions, never values.
 */
export const ProfilesSql = {
  /**
   * Rows (id, moderator_id) of the profiles whose id is in `ids` (a bigint[] expression; NULL: none),
   * read FOR SHARE in id order: until the transaction ends nobody can change who runs them, and
   * others may still read them so.
   */
  moderatorsForShare: (ids: string) => `SELECT id, moderator_id FROM profiles WHERE id = ANY(${ids}) ORDER BY id FOR SHARE`,
} as const;
