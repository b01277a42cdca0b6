/** Ledger account names. Balances are credits minus debits; the cached columns mirror them. */
export const LedgerAccount = {
  /** Source of every point sold: its balance is minus the points sold. */
  stripeSales: 'stripe:sales',
  /** Source of every point earned by moderators. */
  platformEarnings: 'platform:earnings',
  client: (interactionId: string) => `interaction:${interactionId}:client`,
  held: (interactionId: string) => `interaction:${interactionId}:held`,
  moderator: (userId: string) => `moderator:${userId}`,
} as const;
