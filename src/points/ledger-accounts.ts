/**
 * Every spelling of a ledger account name, in TypeScript and in SQL. Nothing else writes `moderator:`
 * or `interaction:…:client`: a query that names or matches accounts builds its SQL from here.
 * Balances are credits minus debits; the cached columns mirror them.
 */

const MODERATOR_PREFIX = 'moderator:';
const INTERACTION_PREFIX = 'interaction:';
const CLIENT_SUFFIX = ':client';
const HELD_SUFFIX = ':held';
const RECEIVED_SUFFIX = ':received';
const LOTS_SUFFIX = ':lots';
const LOT_PREFIX = 'lot:';
const SPEND_PREFIX = 'spend:';

/** Ledger account names. */
export const LedgerAccount = {
  /** Source of every point sold: its balance is minus the points sold. */
  stripeSales: 'stripe:sales',
  /** Source of every point earned by moderators. */
  platformEarnings: 'platform:earnings',
  /** Where spent points go: they leave the client's balance for good. */
  platformSpent: 'platform:spent',
  /** Source of promotional points (grants): its balance is minus the points given away. */
  platformPromotions: 'platform:promotions',
  /** What the client can still spend with a profile (cached in `profile_client_interactions.points_balance`). */
  client: (interactionId: string) => `${INTERACTION_PREFIX}${interactionId}${CLIENT_SUFFIX}`,
  /** Earnings waiting for a moderator (cached in `profile_client_interactions.held_points`). */
  held: (interactionId: string) => `${INTERACTION_PREFIX}${interactionId}${HELD_SUFFIX}`,
  /** A moderator's earnings (cached in `users.points`). */
  moderator: (userId: string) => `${MODERATOR_PREFIX}${userId}`,
} as const;

/** Accounts that only ever act as the other side of a transfer; nothing caches them. */
export const SOURCE_ACCOUNTS: readonly string[] = [LedgerAccount.stripeSales, LedgerAccount.platformEarnings, LedgerAccount.platformSpent, LedgerAccount.platformPromotions];

/**
 * Names of figures the ledger verifier checks next to the accounts, in the accounts' namespace:
 * they are derived from an interaction's account, not accounts of their own.
 */
export const LedgerFigure = {
  /** `total_points_received`: the client account's purchases net of reversals and restores. */
  received: (interactionId: string) => `${INTERACTION_PREFIX}${interactionId}${RECEIVED_SUFFIX}`,
  /** The unspent points of the interaction's lots. */
  lots: (interactionId: string) => `${INTERACTION_PREFIX}${interactionId}${LOTS_SUFFIX}`,
  /** A part of a purchase's lot (`missing`, `spent`, `taken`) against its entries. */
  lot: (transactionId: string, part: 'missing' | 'spent' | 'taken') => `${LOT_PREFIX}${transactionId}:${part}`,
  /** A spend's allocations against its points. */
  spendAllocated: (spendId: string) => `${SPEND_PREFIX}${spendId}:allocated`,
} as const;

/** The same names in SQL. Builders take SQL expressions (a column, `$1`), never values. */
export const LedgerAccountSql = {
  /** The client account of the interaction id `idSql`. */
  client: (idSql: string) => `${literal(INTERACTION_PREFIX)} || ${idSql} || ${literal(CLIENT_SUFFIX)}`,
  /** The held account of the interaction id `idSql`. */
  held: (idSql: string) => `${literal(INTERACTION_PREFIX)} || ${idSql} || ${literal(HELD_SUFFIX)}`,
  /** The account of the moderator id `idSql`. */
  moderator: (idSql: string) => `${literal(MODERATOR_PREFIX)} || ${idSql}`,
  /** `LedgerFigure.lots` of the interaction id `idSql`. */
  lotsFigure: (idSql: string) => `${literal(INTERACTION_PREFIX)} || ${idSql} || ${literal(LOTS_SUFFIX)}`,
  /** `LedgerFigure.lot` of the purchase id `idSql` and the part name `partSql` (an SQL text expression). */
  lotFigure: (idSql: string, partSql: string) => `${literal(LOT_PREFIX)} || ${idSql} || ':' || ${partSql}`,
  /** `LedgerFigure.spendAllocated` of the spend id `idSql`. */
  spendAllocatedFigure: (idSql: string) => `${literal(SPEND_PREFIX)} || ${idSql} || ${literal(':allocated')}`,
  /** The moderator id (text) of the moderator account `accountSql`. */
  moderatorIdOf: (accountSql: string) => `substr(${accountSql}, length(${literal(MODERATOR_PREFIX)}) + 1)`,
  /** LIKE patterns, as SQL literals: every client account, every held account, every moderator account. */
  clientPattern: literal(`${INTERACTION_PREFIX}%${CLIENT_SUFFIX}`),
  heldPattern: literal(`${INTERACTION_PREFIX}%${HELD_SUFFIX}`),
  moderatorPattern: literal(`${MODERATOR_PREFIX}%`),
} as const;

/** A constant of this module as an SQL string literal. No name holds `_`, LIKE's other wildcard. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
