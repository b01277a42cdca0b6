import { DataSource } from 'typeorm';

export interface LedgerDrift {
  account: string;
  ledger: number;
  cached: number;
}

/**
 * Recomputes every cached balance from the ledger and returns the accounts that disagree.
 * Scenarios assert an empty result: the ledger is the truth, the columns are only caches.
 */
export async function ledgerDrift(db: DataSource): Promise<LedgerDrift[]> {
  const rows = await db.query<Array<{ account: string; ledger: string; cached: string }>>(`
    WITH movements AS (
      SELECT credit_account AS account, points FROM ledger_transfers
      UNION ALL
      SELECT debit_account, -points FROM ledger_transfers
    ), balances AS (
      SELECT account, sum(points)::bigint AS ledger FROM movements GROUP BY account
    ), cached AS (
      SELECT 'moderator:' || id AS account, points AS cached FROM users WHERE role = 'moderator' OR points <> 0
      UNION ALL SELECT 'interaction:' || id || ':client', points_balance FROM profile_client_interactions
      UNION ALL SELECT 'interaction:' || id || ':held', held_points FROM profile_client_interactions
    )
    SELECT coalesce(c.account, b.account) AS account, coalesce(b.ledger, 0) AS ledger, coalesce(c.cached, 0) AS cached
      FROM cached c FULL JOIN balances b ON b.account = c.account
     WHERE coalesce(c.account, b.account) NOT IN ('stripe:sales', 'platform:earnings')
       AND coalesce(b.ledger, 0) <> coalesce(c.cached, 0)`);
  const received = await db.query<Array<{ id: string; cached: string; ledger: string }>>(`
    SELECT i.id, i.total_points_received AS cached,
           coalesce((SELECT sum(points) FROM ledger_transfers t WHERE t.credit_account = 'interaction:' || i.id || ':client' AND t.kind = 'purchase'), 0)
         - coalesce((SELECT sum(points) FROM ledger_transfers t WHERE t.debit_account = 'interaction:' || i.id || ':client' AND t.kind = 'reversal'), 0) AS ledger
      FROM profile_client_interactions i`);
  return [
    ...rows.map((row) => ({ account: row.account, ledger: Number(row.ledger), cached: Number(row.cached) })),
    ...received
      .filter((row) => Number(row.cached) !== Number(row.ledger))
      .map((row) => ({ account: `interaction:${row.id}:received`, ledger: Number(row.ledger), cached: Number(row.cached) })),
  ];
}
