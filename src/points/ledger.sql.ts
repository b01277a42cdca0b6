import { LedgerAccountSql } from './ledger-accounts';

/**
 * Pieces of SQL over the ledger for statements that other modules run: a moderator's earnings page
 * reads its ledger, its checkpoint and its cached balance in one statement (one snapshot), and the
 * reconciliation report pairs each purchase with what the ledger credited for it. The points module
 * writes every text that names `ledger_transfers`; callers only place it. Builders take SQL
 * expressions (a column, `$1`), never values.
 */
export const LedgerSql = {
  /**
   * Rows (id, at, points) of the transfers of `account` with an id above `afterId`: at is created_at
   * in µs since the epoch, points signed (credits positive). Two index range scans, in no order.
   */
  movementsAfter: (account: string, afterId: string) =>
    `SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint AS at, points
       FROM ledger_transfers WHERE credit_account = ${account} AND id > ${afterId}
     UNION ALL
     SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint, -points
       FROM ledger_transfers WHERE debit_account = ${account} AND id > ${afterId}`,

  /**
   * Rows (id, kind, points, transaction_id, created_at) of the newest `limit` transfers of points of `account`,
   * below `beforeId` when given (a keyset page), newest first; each side takes at most `limit` rows
   * from its own index.
   */
  historyPage: (account: string, beforeId: string | null, limit: string) => {
    // A transfer of money alone (a refund too small to take back a point) is no entry of a points
    // history: its money is in the statements.
    const before = `AND points > 0${beforeId === null ? '' : ` AND id < ${beforeId}`}`;
    return `(SELECT id, kind, points, transaction_id, created_at FROM ledger_transfers
              WHERE credit_account = ${account} ${before} ORDER BY id DESC LIMIT ${limit})
            UNION ALL
            (SELECT id, kind, -points AS points, transaction_id, created_at FROM ledger_transfers
              WHERE debit_account = ${account} ${before} ORDER BY id DESC LIMIT ${limit})
            ORDER BY id DESC LIMIT ${limit}`;
  },

  /**
   * One row (client_credited, moderator_credited) of what the ledger holds for the purchase
   * `transactionId`: net points on client accounts, and on moderator or held accounts (0 when none).
   * Each side of a transfer counts on its own, so a release (held → moderator) nets to nothing.
   * For a LATERAL join.
   */
  creditedForPurchase: (transactionId: string) => {
    const { clientPattern: client, heldPattern: held, moderatorPattern: moderator } = LedgerAccountSql;
    const net = (matches: (column: string) => string) =>
      `coalesce(sum(CASE WHEN ${matches('l.credit_account')} THEN l.points ELSE 0 END
                    - CASE WHEN ${matches('l.debit_account')} THEN l.points ELSE 0 END), 0)`;
    return `SELECT ${net((column) => `${column} LIKE ${client}`)} AS client_credited,
                   ${net((column) => `(${column} LIKE ${moderator} OR ${column} LIKE ${held})`)} AS moderator_credited
              FROM ledger_transfers l
             WHERE l.transaction_id = ${transactionId}`;
  },
} as const;
