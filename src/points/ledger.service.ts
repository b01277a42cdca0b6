import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { LedgerTransfer, TransferKind } from './entities/ledger-transfer.entity';

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
    if (!Number.isSafeInteger(request.points) || request.points <= 0) {
      throw new RangeError(`a transfer moves a positive whole number of points, not ${request.points}`);
    }
    const result = await this.transactions
      .repository(LedgerTransfer)
      .createQueryBuilder()
      .insert()
      .values({
        transferKey: request.key,
        kind: request.kind,
        debitAccount: request.debit,
        creditAccount: request.credit,
        points: request.points,
        transactionId: request.transactionId ?? null,
        interactionId: request.interactionId ?? null,
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length === 1;
  }

  /** An account's balance recomputed from the ledger. */
  async balanceOf(account: string): Promise<number> {
    const [row] = await this.transactions.manager.query<Array<{ balance: string }>>(
      `SELECT coalesce(sum(CASE WHEN credit_account = $1 THEN points ELSE -points END), 0)::bigint AS balance
         FROM ledger_transfers WHERE credit_account = $1 OR debit_account = $1`,
      [account],
    );
    return Number(row.balance);
  }
}
