import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import type { EarningsWalkState } from './earnings';

export interface Checkpoint extends EarningsWalkState {
  /** The walk's state covers every transfer of the account with id ≤ uptoId. */
  uptoId: bigint;
}

/** The saved checkpoint of an account as `EarningsCheckpointsRepository.find` reads it. */
export interface CheckpointRow {
  maturity_us: string;
  upto_id: string;
  /** Whether available and pending were sent: the row is not the copy the caller remembers. */
  fetched: boolean;
  available: string | null;
  pending: Array<[number, number]> | null;
  candidate_id: string | null;
  /** Whether the candidate may be used now (null: no candidate to use). */
  candidate_safe: boolean | null;
}

/**
 * SQL of `earnings_checkpoints` for a statement that reads the checkpoint in its own snapshot, next
 * to the transfers after it (a checkpoint is only saved once every transfer up to its id is
 * committed: a snapshot that sees it sees them). Builders take SQL expressions, never values.
 */
export const EarningsCheckpointSql = {
  /** The ledger id a walk starts after: the account's usable checkpoint, else 0. */
  start: (account: string, maturity: string) =>
    `coalesce((SELECT upto_id FROM earnings_checkpoints WHERE account = ${account} AND maturity_us = ${maturity}), 0)`,

  /** The `CheckpointColumns` of the account (NULL: none); `rememberedUpto` is the uptoId of the copy in memory, -1 for none. */
  columns: (account: string, maturity: string, rememberedUpto: string) =>
    `(SELECT json_build_array(maturity_us::text, upto_id::text, candidate_id::text,
                              CASE WHEN fresh THEN available END, CASE WHEN fresh THEN pending END)
        FROM (SELECT *, maturity_us = ${maturity} AND upto_id <> ${rememberedUpto} AS fresh
                FROM earnings_checkpoints WHERE account = ${account}) checkpoint)`,
} as const;

/** Every statement on `earnings_checkpoints` (see EarningsCheckpoints for what a checkpoint is). */
@Injectable()
export class EarningsCheckpointsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * The account's checkpoint, with whether its candidate may be used: only if every transaction now
   * running in this database started after the candidate was proposed (pg_stat_activity, consulted
   * only when there is a candidate to use). Run before the request's snapshot is taken.
   */
  async find(account: string, maturity: number, rememberedUpto: string): Promise<CheckpointRow | null> {
    const [row] = await this.transactions.manager.query<CheckpointRow[]>(
      `SELECT maturity_us, upto_id, fresh AS fetched, CASE WHEN fresh THEN available END AS available, CASE WHEN fresh THEN pending END AS pending,
              candidate_id,
              CASE WHEN candidate_id IS NOT NULL AND (maturity_us <> $2 OR candidate_id > upto_id) THEN
                candidate_at < coalesce((SELECT min(xact_start) FROM pg_stat_activity
                                          WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL),
                                        'infinity')
              END AS candidate_safe
         FROM (SELECT *, maturity_us = $2 AND upto_id <> $3 AS fresh FROM earnings_checkpoints WHERE account = $1) checkpoint`,
      [account, maturity, rememberedUpto],
    );
    return row ?? null;
  }

  /** Stores a newer checkpoint; an older one (a concurrent request was first) is ignored. */
  async save(account: string, maturity: number, checkpoint: Checkpoint): Promise<void> {
    await this.transactions.manager.query(
      `INSERT INTO earnings_checkpoints (account, maturity_us, upto_id, available, pending) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account) DO UPDATE
          SET maturity_us = excluded.maturity_us, upto_id = excluded.upto_id, available = excluded.available,
              pending = excluded.pending, updated_at = now()
        WHERE earnings_checkpoints.upto_id < excluded.upto_id OR earnings_checkpoints.maturity_us <> excluded.maturity_us`,
      [account, maturity, checkpoint.uptoId.toString(), checkpoint.available, JSON.stringify(checkpoint.pending)],
    );
  }

  /**
   * Proposes the ledger id `lastId` as the next checkpoint, noting the time now (clock_timestamp()),
   * unless a candidate proposed earlier still waits to be used.
   */
  async propose(account: string, maturity: number, lastId: string): Promise<void> {
    await this.transactions.manager.query(
      `INSERT INTO earnings_checkpoints (account, maturity_us, upto_id, available, pending, candidate_id, candidate_at)
       VALUES ($1, $2, 0, 0, '[]', $3, clock_timestamp())
       ON CONFLICT (account) DO UPDATE SET candidate_id = excluded.candidate_id, candidate_at = excluded.candidate_at
        WHERE earnings_checkpoints.candidate_id IS NULL OR earnings_checkpoints.candidate_id <= earnings_checkpoints.upto_id`,
      [account, maturity, lastId],
    );
  }
}
