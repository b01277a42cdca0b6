import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { LedgerAccountSql } from './ledger-accounts';

/** Points moved to and from a moderator's account in a range. */
export interface ModeratorLedgerTotals {
  moderatorId: string;
  creditedPoints: number;
  debitedPoints: number;
}

/** Read-only aggregates over the ledger for other modules' reports. */
@Injectable()
export class LedgerReports {
  constructor(private readonly transactions: TransactionRunner) {}

  /** Per moderator, by transfer time (a bound not given is ±infinity: still one index range scan). */
  async moderatorTotals(from: Date | null, to: Date | null): Promise<ModeratorLedgerTotals[]> {
    const rows = await this.transactions.manager.query<Array<{ moderator_id: string; credited: string; debited: string }>>(
      `SELECT ${LedgerAccountSql.moderatorIdOf('account')} AS moderator_id,
              sum(credited) AS credited, sum(debited) AS debited
         FROM (SELECT credit_account AS account, points AS credited, 0 AS debited
                 FROM ledger_transfers
                WHERE created_at >= $1 AND created_at < $2 AND credit_account LIKE ${LedgerAccountSql.moderatorPattern}
               UNION ALL
               SELECT debit_account, 0, points
                 FROM ledger_transfers
                WHERE created_at >= $1 AND created_at < $2 AND debit_account LIKE ${LedgerAccountSql.moderatorPattern}) AS moves
        GROUP BY account
        ORDER BY ${LedgerAccountSql.moderatorIdOf('account')}::bigint`,
      [from ?? '-infinity', to ?? 'infinity'],
    );
    return rows.map((row) => ({ moderatorId: row.moderator_id, creditedPoints: Number(row.credited), debitedPoints: Number(row.debited) }));
  }

  /**
   * The last id the ledger's sequence handed out (null: none yet). Ids are taken at insert, not at
   * commit: a transaction still running may hold a smaller one than rows already visible.
   */
  async lastTransferId(): Promise<string | null> {
    const [{ last }] = await this.transactions.manager.query<Array<{ last: string | null }>>(
      `SELECT pg_sequence_last_value(pg_get_serial_sequence('ledger_transfers', 'id')::regclass) AS last`,
    );
    return last;
  }

  /**
   * How many transfers moved points into or out of `account`: it only grows (the ledger is
   * append-only) and grows with every change of the account's balance. Two index scans.
   */
  async movementsOf(account: string): Promise<number> {
    const [{ movements }] = await this.transactions.manager.query<Array<{ movements: string }>>(
      `SELECT (SELECT count(*) FROM ledger_transfers WHERE debit_account = $1) + (SELECT count(*) FROM ledger_transfers WHERE credit_account = $1) AS movements`,
      [account],
    );
    return Number(movements);
  }
}
