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

@Injectable()
export class LedgerService {
  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * Appends a transfer inside the caller's transaction. Returns false, and writes nothing, when a
   * transfer with the same key already exists: the caller then knows the effect already happened.
   */
  async transfer(request: TransferRequest): Promise<boolean> {
    return (await this.transferAll([request])).has(request.key);
  }

  /** Appends several transfers in one statement; returns the keys written (those not used before). */
  async transferAll(requests: TransferRequest[]): Promise<Set<string>> {
    if (requests.length === 0) return new Set();
    for (const request of requests) {
      if (!Number.isSafeInteger(request.points) || request.points <= 0) {
        throw new RangeError(`a transfer moves a positive whole number of points, not ${request.points}`);
      }
    }
    const columns = ['transfer_key', 'kind', 'debit_account', 'credit_account', 'points', 'transaction_id', 'interaction_id'];
    const values = requests.map((_, row) => `(${columns.map((__, column) => `$${row * columns.length + column + 1}`).join(', ')})`);
    const rows = await this.transactions.manager.query<Array<{ transfer_key: string }>>(
      `INSERT INTO ledger_transfers (${columns.join(', ')}) VALUES ${values.join(', ')}
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
}
