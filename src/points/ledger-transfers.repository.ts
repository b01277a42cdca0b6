import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { TransferKind } from './transfer-kind';

export interface TransferRequest {
  /** Unique per effect: a second transfer with the same key is refused by the database. */
  key: string;
  kind: TransferKind;
  debit: string;
  credit: string;
  points: number;
  transactionId?: string | null;
  interactionId?: string | null;
}

/** What a purchase still holds on a conversation's held account, net of its reversals. */
export interface HeldPurchase {
  /** The held account. */
  account: string;
  transactionId: string;
  points: number;
}

const TRANSFER_COLUMNS = ['transfer_key', 'kind', 'debit_account', 'credit_account', 'points', 'transaction_id', 'interaction_id'];

/** Every statement on `ledger_transfers`, inside the caller's transaction when there is one. */
@Injectable()
export class LedgerTransfersRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * Inserts the transfers in one statement; those whose key is already used are skipped by
   * `uq_ledger_transfers_key`. Returns the keys written.
   */
  async insertNewKeys(requests: readonly TransferRequest[]): Promise<Set<string>> {
    if (requests.length === 0) return new Set();
    const values = requests.map((_, row) => `(${TRANSFER_COLUMNS.map((__, column) => `$${row * TRANSFER_COLUMNS.length + column + 1}`).join(', ')})`);
    const rows = await this.transactions.manager.query<Array<{ transfer_key: string }>>(
      `INSERT INTO ledger_transfers (${TRANSFER_COLUMNS.join(', ')}) VALUES ${values.join(', ')}
       ON CONFLICT ON CONSTRAINT uq_ledger_transfers_key DO NOTHING
       RETURNING transfer_key`,
      requests.flatMap((request) => [
        request.key,
        request.kind,
        request.debit,
        request.credit,
        request.points,
        request.transactionId ?? null,
        request.interactionId ?? null,
      ]),
    );
    return new Set(rows.map((row) => row.transfer_key));
  }

  /**
   * The purchases with points still on any of the held accounts `heldAccounts`, by purchase id, in
   * one statement: each side of the ledger read through its account index.
   */
  async heldPurchases(heldAccounts: readonly string[]): Promise<HeldPurchase[]> {
    if (heldAccounts.length === 0) return [];
    const rows = await this.transactions.manager.query<Array<{ account: string; transaction_id: string; points: string }>>(
      `SELECT account, transaction_id, sum(points) AS points
         FROM (SELECT credit_account AS account, transaction_id, points
                 FROM ledger_transfers WHERE credit_account = ANY($1::text[]) AND transaction_id IS NOT NULL
               UNION ALL
               SELECT debit_account, transaction_id, -points
                 FROM ledger_transfers WHERE debit_account = ANY($1::text[]) AND transaction_id IS NOT NULL) movement
        GROUP BY account, transaction_id
       HAVING sum(points) > 0
        ORDER BY transaction_id`,
      [heldAccounts],
    );
    return rows.map((row) => ({ account: row.account, transactionId: row.transaction_id, points: Number(row.points) }));
  }
}
