import type { DataSource, EntityManager } from 'typeorm';
import { PurchaseSql } from '../../src/payments/purchases.sql';
import { LedgerDrift, ledgerDrift as driftOf } from '../../src/points/ledger-drift.queries';

/** Every cached balance recomputed from the ledger, the purchases read through their owner's SQL. */
export function ledgerDrift(db: DataSource | EntityManager): Promise<LedgerDrift[]> {
  return driftOf(db, PurchaseSql);
}
