import { DataSource, EntityManager } from 'typeorm';
import { shareOfSql } from '../common/money';
import { InteractionsSql } from '../interactions/interactions.sql';
import { UsersSql } from '../users/users.sql';
import { LedgerAccount, LedgerAccountSql, LedgerFigure, SOURCE_ACCOUNTS } from './ledger-accounts';
import { TransferKind } from './transfer-kind';

/**
 * The purchases' rows the checks read, as SQL written by their owner (payments' `PurchaseSql`).
 * Payments credits points, so points sits below it and does not import it: the caller hands them in.
 */
export interface CreditedPurchasesSql {
  /** Rows (id, points_amount) of every purchase whose points were credited. */
  credited: string;
  /** Rows (id, net_paid_cents) of every credited purchase: what the client has paid for it so far. */
  netPaid: string;
}

export interface LedgerDrift {
  account: string;
  ledger: number;
  cached: number;
}

/**
 * Recomputes every cached balance from the ledger and returns the accounts that disagree (empty
 * when all is well). The ledger is the truth; the columns are caches written in the same
 * transactions, so any difference is a defect. The caches belong to other modules (users,
 * interactions, payments): each statement reads them through their owners' SQL, in its snapshot.
 */
export async function ledgerDrift(db: DataSource | EntityManager, purchases: CreditedPurchasesSql): Promise<LedgerDrift[]> {
  const balances = await db.query<Array<{ account: string; ledger: string; cached: string }>>(
    `
    WITH interactions AS (${InteractionsSql.cachedBalances}), movements AS (
      SELECT credit_account AS account, points FROM ledger_transfers
      UNION ALL
      SELECT debit_account, -points FROM ledger_transfers
    ), ledger AS (
      SELECT account, sum(points)::bigint AS balance FROM movements GROUP BY account
    ), cached AS (
      SELECT ${LedgerAccountSql.moderator('u.id')} AS account, u.points AS balance FROM (${UsersSql.cachedPoints}) u
      UNION ALL SELECT ${LedgerAccountSql.client('i.id')}, i.points_balance FROM interactions i
      UNION ALL SELECT ${LedgerAccountSql.held('i.id')}, i.held_points FROM interactions i
    )
    SELECT coalesce(c.account, l.account) AS account, coalesce(l.balance, 0) AS ledger, coalesce(c.balance, 0) AS cached
      FROM cached c FULL JOIN ledger l ON l.account = c.account
     WHERE coalesce(c.account, l.account) <> ALL($1)
       AND coalesce(l.balance, 0) <> coalesce(c.balance, 0)
     ORDER BY 1`,
    [SOURCE_ACCOUNTS],
  );
  // total_points_received: what was bought for the profile, net of reversals and restores (not of spends).
  const clientAccount = LedgerAccountSql.client('i.id');
  const received = await db.query<Array<{ id: string; cached: string; ledger: string }>>(`
    SELECT i.id, i.total_points_received AS cached, coalesce(sum(
             CASE WHEN t.credit_account = ${clientAccount} THEN t.points ELSE -t.points END), 0) AS ledger
      FROM (${InteractionsSql.cachedBalances}) i
      LEFT JOIN ledger_transfers t
        ON t.interaction_id = i.id AND t.kind IN ('purchase', 'reversal', 'restore')
       AND ${clientAccount} IN (t.credit_account, t.debit_account)
     GROUP BY i.id, i.total_points_received
    HAVING i.total_points_received <> coalesce(sum(
             CASE WHEN t.credit_account = ${clientAccount} THEN t.points ELSE -t.points END), 0)
     ORDER BY i.id`);
  return [
    ...balances.map((row) => ({ account: row.account, ledger: Number(row.ledger), cached: Number(row.cached) })),
    ...received.map((row) => ({ account: LedgerFigure.received(row.id), ledger: Number(row.ledger), cached: Number(row.cached) })),
    ...(await lotDrift(db, purchases)),
    ...(await moneyDrift(db, purchases)),
  ];
}

/**
 * The money of the earnings (SPEC §11) agrees with the purchases:
 * - `money:<purchase>:share`: what the ledger moved for a purchase credited with a share (out of
 *   `platform:earnings`, less what came back) is its share of what the client has paid so far,
 *   rounded half up; for a purchase credited before shares existed, nothing;
 * - `money:<purchase>:unpriced`: how many of the purchase's earnings transfers carry no money
 *   although it has a share (or carry money although it has none), expected 0;
 * - `money:<purchase>:currency`: how many carry another currency than the purchase's, expected 0;
 * - `money:transfer:<id>`: money on a transfer that is not an earnings transfer (a client's side, a
 *   spend, a grant), expected 0.
 */
async function moneyDrift(db: DataSource | EntityManager, purchases: CreditedPurchasesSql): Promise<LedgerDrift[]> {
  const earnings = `'${LedgerAccount.platformEarnings}'`;
  const earningsSide = (alias: string) =>
    `(${alias}.debit_account = ${earnings} OR ${alias}.credit_account = ${earnings} OR ${alias}.kind = '${TransferKind.Release}')`;
  const rows = await db.query<Array<{ account: string; ledger: string; cached: string }>>(`
    WITH purchase AS (
      SELECT l.transaction_id AS id, l.currency, l.moderator_share_bps AS bps, p.net_paid_cents
        FROM point_lots l JOIN (${purchases.netPaid}) p ON p.id = l.transaction_id
    ), moved AS (
      SELECT t.transaction_id AS id,
             coalesce(sum(CASE WHEN t.debit_account = ${earnings} THEN t.money_cents WHEN t.credit_account = ${earnings} THEN -t.money_cents ELSE 0 END), 0) AS cents,
             count(*) FILTER (WHERE (t.money_cents IS NULL) = (p.bps IS NOT NULL)) AS unpriced,
             count(*) FILTER (WHERE t.currency IS DISTINCT FROM p.currency AND t.money_cents IS NOT NULL) AS other_currency
        FROM ledger_transfers t JOIN purchase p ON p.id = t.transaction_id
       WHERE ${earningsSide('t')}
       GROUP BY t.transaction_id
    )
    SELECT 'money:' || p.id || ':share' AS account, coalesce(m.cents, 0) AS ledger,
           CASE WHEN p.bps IS NULL THEN 0 ELSE ${shareOfSql('p.net_paid_cents', 'p.bps')} END AS cached
      FROM purchase p LEFT JOIN moved m ON m.id = p.id
     WHERE coalesce(m.cents, 0) <> CASE WHEN p.bps IS NULL THEN 0 ELSE ${shareOfSql('p.net_paid_cents', 'p.bps')} END
    UNION ALL
    SELECT 'money:' || id || ':unpriced', unpriced, 0 FROM moved WHERE unpriced > 0
    UNION ALL
    SELECT 'money:' || id || ':currency', other_currency, 0 FROM moved WHERE other_currency > 0
    UNION ALL
    SELECT 'money:transfer:' || t.id, t.money_cents, 0 FROM ledger_transfers t WHERE t.money_cents IS NOT NULL AND NOT ${earningsSide('t')}
    ORDER BY 1`);
  return rows.map((row) => ({ account: row.account, ledger: Number(row.ledger), cached: Number(row.cached) }));
}

/**
 * The lots agree with the balances and with their own entries:
 * - `interaction:<id>:lots`: the unspent points of an interaction's lots are its balance, or 0 when
 *   the balance is negative (a debt);
 * - `lot:<purchase>:missing`: every credited purchase has its lot;
 * - `lot:<purchase>:spent` and `lot:<purchase>:taken`: each part of a lot is the sum of its entries;
 * - `spend:<id>:allocated`: a spend's allocations add up to its points.
 */
async function lotDrift(db: DataSource | EntityManager, purchases: CreditedPurchasesSql): Promise<LedgerDrift[]> {
  const rows = await db.query<Array<{ account: string; ledger: string; cached: string }>>(`
    SELECT ${LedgerAccountSql.lotsFigure('i.id')} AS account, greatest(i.points_balance, 0) AS ledger, coalesce(sum(l.remaining), 0) AS cached
      FROM (${InteractionsSql.cachedBalances}) i LEFT JOIN point_lots l ON l.interaction_id = i.id
     GROUP BY i.id, i.points_balance HAVING greatest(i.points_balance, 0) <> coalesce(sum(l.remaining), 0)
    UNION ALL
    SELECT ${LedgerAccountSql.lotFigure('t.id', "'missing'")}, t.points_amount, 0
      FROM (${purchases.credited}) t
     WHERE NOT EXISTS (SELECT 1 FROM point_lots l WHERE l.transaction_id = t.id)
    UNION ALL
    SELECT ${LedgerAccountSql.lotFigure('l.transaction_id', 'part.name')}, part.entries, part.cached
      FROM point_lots l
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(points) FILTER (WHERE kind = 'spend'), 0) AS spent,
               coalesce(sum(CASE kind WHEN 'restore' THEN -points WHEN 'spend' THEN 0 ELSE points END), 0) AS taken
          FROM point_lot_entries e WHERE e.lot_id = l.id
      ) e
      CROSS JOIN LATERAL (VALUES ('spent', e.spent, l.spent), ('taken', e.taken, l.taken)) AS part(name, entries, cached)
     WHERE part.entries <> part.cached
    UNION ALL
    SELECT ${LedgerAccountSql.spendAllocatedFigure('s.id')}, s.points, sum(e.points)
      FROM point_spends s JOIN point_lot_entries e ON e.spend_id = s.id
     GROUP BY s.id HAVING sum(e.points) <> s.points
    ORDER BY 1`);
  return rows.map((row) => ({ account: row.account, ledger: Number(row.ledger), cached: Number(row.cached) }));
}
