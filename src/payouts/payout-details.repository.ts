import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';

export interface PayoutDetails {
  userId: string;
  /** Null once erased. */
  iban: string | null;
  holderName: string | null;
  erasedAt: Date | null;
  updatedAt: Date;
}

interface Row {
  user_id: string;
  iban: string | null;
  holder_name: string | null;
  erased_at: Date | null;
  updated_at: Date;
}

const toDetails = (row: Row): PayoutDetails => ({
  userId: row.user_id,
  iban: row.iban,
  holderName: row.holder_name,
  erasedAt: row.erased_at,
  updatedAt: row.updated_at,
});

/** Every statement on `payout_details`, inside the caller's transaction when there is one. */
@Injectable()
export class PayoutDetailsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  async find(userId: string): Promise<PayoutDetails | null> {
    const [row] = await this.transactions.manager.query<Row[]>(`SELECT * FROM payout_details WHERE user_id = $1`, [userId]);
    return row ? toDetails(row) : null;
  }

  /** The details of these users (those who have a row), by user id. */
  async ofUsers(userIds: readonly string[]): Promise<Map<string, PayoutDetails>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.transactions.manager.query<Row[]>(`SELECT * FROM payout_details WHERE user_id = ANY($1::bigint[])`, [userIds]);
    return new Map(rows.map((row) => [row.user_id, toDetails(row)]));
  }

  /**
   * Sets a user's details, unless they were erased; returns the row when something changed (new
   * details, or other ones), null when they were the same or the user is erased. One statement: the
   * row's lock serialises two changes of one user's details.
   */
  async set(userId: string, iban: string, holderName: string): Promise<PayoutDetails | null> {
    const [row] = await this.transactions.manager.query<Row[]>(
      `INSERT INTO payout_details (user_id, iban, holder_name) VALUES ($1, $2, $3)
       ON CONFLICT ON CONSTRAINT pk_payout_details DO UPDATE SET iban = excluded.iban, holder_name = excluded.holder_name, updated_at = now()
        WHERE payout_details.erased_at IS NULL
          AND (payout_details.iban, payout_details.holder_name) IS DISTINCT FROM (excluded.iban, excluded.holder_name)
       RETURNING *`,
      [userId, iban, holderName],
    );
    return row ? toDetails(row) : null;
  }

  /** Removes a user's details for good (erasure); true when there were details to remove. */
  async erase(userId: string): Promise<boolean> {
    const [previous] = await this.transactions.manager.query<Array<{ had: boolean }>>(
      `SELECT iban IS NOT NULL AS had FROM payout_details WHERE user_id = $1 FOR UPDATE`,
      [userId],
    );
    await this.transactions.manager.query(
      `INSERT INTO payout_details (user_id, erased_at) VALUES ($1, now())
       ON CONFLICT ON CONSTRAINT pk_payout_details DO UPDATE SET iban = NULL, holder_name = NULL, erased_at = coalesce(payout_details.erased_at, now()), updated_at = now()`,
      [userId],
    );
    return previous?.had ?? false;
  }
}
