/** What a ledger transfer moved points for: the `kind` column of `ledger_transfers`. */
export enum TransferKind {
  /** Points sold: `stripe:sales` → the client's balance for the profile. */
  Purchase = 'purchase',
  /** Points earned: `platform:earnings` → the moderator. */
  Attribution = 'attribution',
  /** Points earned while nobody handles the interaction: `platform:earnings` → `interaction:<id>:held`. */
  Hold = 'hold',
  /** Held points given to the moderator assigned next. */
  Release = 'release',
  /** Points taken back by a refund or a dispute. */
  Reversal = 'reversal',
  /** Points given back when a dispute is won. */
  Restore = 'restore',
  Spend = 'spend',
  /** Promotional points given by the platform: `platform:promotions` → the client's balance. They earn nobody anything. */
  Grant = 'grant',
}

/** The kinds of transfer that move a moderator's points: what their earnings history lists. */
export const MODERATOR_TRANSFER_KINDS = [TransferKind.Attribution, TransferKind.Release, TransferKind.Reversal, TransferKind.Restore] as const;
export type ModeratorTransferKind = (typeof MODERATOR_TRANSFER_KINDS)[number];
