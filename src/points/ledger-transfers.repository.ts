import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { LedgerAccount } from './ledger-accounts';
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
  /** Earnings transfers: the money that moves with the points, in the same direction (≥ 0). */
  money?: Money | null;
}

/** An amount of money in minor units of `currency` (lower case). */
export interface Money {
  cents: number;
  currency: string;
}

/** What a purchase still holds on an interaction's held account, net of its reversals. */
export interface HeldPurchase {
  /** The held account. */
  account: string;
  transactionId: string;
  points: number;
  /** The moderator's share held with those points; null for a purchase credited before shares existed. */
  money: Money | null;
}

const TRANSFER_COLUMNS = ['transfer_key', 'kind', 'debit_account', 'credit_account', 'points', 'transaction_id', 'interaction_id', 'money_cents', 'currency'];

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
        request.money?.cents ?? null,
        request.money?.currency ?? null,
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
    const rows = await this.transactions.manager.query<Array<{ account: string; transaction_id: string; points: string; money: string | null; currency: string | null }>>(
      `SELECT account, transaction_id, sum(points) AS points, sum(money) AS money, max(currency) AS currency
         FROM (SELECT credit_account AS account, transaction_id, points, money_cents AS money, currency
                 FROM ledger_transfers WHERE credit_account = ANY($1::text[]) AND transaction_id IS NOT NULL
               UNION ALL
               SELECT debit_account, transaction_id, -points, -money_cents, currency
                 FROM ledger_transfers WHERE debit_account = ANY($1::text[]) AND transaction_id IS NOT NULL) movement
        GROUP BY account, transaction_id
       HAVING sum(points) > 0
        ORDER BY transaction_id`,
      [heldAccounts],
    );
    return rows.map((row) => ({
      account: row.account,
      transactionId: row.transaction_id,
      points: Number(row.points),
      money: row.currency === null ? null : { cents: Number(row.money ?? 0), currency: row.currency },
    }));
  }

  /**
   * The money each of these purchases has earned so far (its moderator's share, on moderator or
   * held accounts): what left `platform:earnings` for it less what came back. Purchases whose
   * transfers carry no money (credited before shares existed) are missing.
   */
  async moneyEarned(transactionIds: readonly string[]): Promise<Map<string, Money>> {
    if (transactionIds.length === 0) return new Map();
    const rows = await this.transactions.manager.query<Array<{ transaction_id: string; cents: string; currency: string }>>(
      `SELECT transaction_id, sum(CASE WHEN debit_account = $2 THEN money_cents ELSE -money_cents END) AS cents, max(currency) AS currency
         FROM ledger_transfers
        WHERE transaction_id = ANY($1::bigint[]) AND money_cents IS NOT NULL AND $2 IN (debit_account, credit_account)
        GROUP BY transaction_id`,
      [transactionIds, LedgerAccount.platformEarnings],
    );
    return new Map(rows.map((row) => [row.transaction_id, { cents: Number(row.cents), currency: row.currency }]));
  }
}
