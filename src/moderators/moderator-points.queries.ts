import { Injectable } from '@nestjs/common';
import { PageQuery } from '../common/pagination';
import { TransactionRunner } from '../database/transaction';
import { LedgerSql } from '../points/ledger.sql';
import { ModeratorTransferKind } from '../points/transfer-kind';
import { UsersSql } from '../users/users.sql';
import { CheckpointColumns, CheckpointReading, CheckpointStart, EarningsCheckpoints } from './earnings-checkpoints';
import { EarningsCheckpointSql } from './earnings-checkpoints.repository';

/** [id, kind, signed points, transaction id, created_at as the server writes a timestamptz] */
/** A moderator account only ever moves by the kinds of MODERATOR_TRANSFER_KINDS. */
export type HistoryRow = [string, ModeratorTransferKind, number, string | null, string];

export interface PointsRow {
  /** null: no such user. */
  balance: number | null;
  now: number;
  /**
   * The transfers after the checkpoint, in id order: their created_at in µs and signed points, and
   * how many of them have id ≤ the safe id. null: no walk.
   */
  walk: [number[], number[], number] | null;
  /** What the statement saw of the checkpoint, when it read it itself. */
  checkpoint: CheckpointColumns | null;
  /** Newest first, at most limit + 1. */
  history: HistoryRow[];
}

/** Where a statement's walk starts: the checkpoint as the statement itself reads it, or one read before it. */
export type WalkFrom = { saved: CheckpointStart | null } | { reading: CheckpointReading };

/**
 * The one statement of a moderator's earnings page. It reads three owners' tables in one snapshot,
 * each through its owner's SQL: the cached balance (users), the ledger (points) and the account's
 * checkpoint (this module). Both indexes of the ledger, `(credit_account, id DESC)` and
 * `(debit_account, id DESC)`, serve it (covering the walk's columns).
 */
@Injectable()
export class ModeratorPointsQueries {
  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * One statement: the cached balance; clock_timestamp(), which it evaluates after its snapshot was
   * taken, so every visible transfer is older; the transfers after the checkpoint, oldest first,
   * from the two index scans (none with a maturity of 0: nothing can be pending); and the history
   * page, newest first, each side taking at most limit + 1 rows from its own index. Everything comes
   * back as JSON in one row, whatever the number of transfers walked.
   */
  async read(userId: string, account: string, page: PageQuery, maturity: number, from: WalkFrom | null): Promise<PointsRow> {
    const parameters: unknown[] = [userId, account, page.limit + 1];
    const param = (value: unknown) => `$${parameters.push(value)}`;
    const before = page.cursor ? param(page.cursor) : null;
    let walk = 'NULL::json';
    let checkpoint = 'NULL::json';
    if (from) {
      let after: string;
      let safe = 'NULL';
      if ('saved' in from) {
        const maturityUs = param(maturity);
        after = EarningsCheckpointSql.start('$2', maturityUs);
        checkpoint = EarningsCheckpointSql.columns('$2', maturityUs, param(EarningsCheckpoints.rememberedUpto(from.saved)));
      } else {
        after = param((from.reading.start?.uptoId ?? 0n).toString());
        if (from.reading.safeUpto !== null) safe = param(from.reading.safeUpto.toString());
      }
      walk = `(SELECT json_build_array(coalesce(json_agg(at ORDER BY id), '[]'), coalesce(json_agg(points ORDER BY id), '[]'),
                                       count(*) FILTER (WHERE id <= ${safe}::bigint))
                 FROM (${LedgerSql.movementsAfter('$2', after)}) movement)`;
    }
    const [row] = await this.transactions.manager.query<PointsRow[]>(
      `SELECT ${UsersSql.points('$1')} AS balance,
              (extract(epoch FROM clock_timestamp()) * 1000000)::float8 AS now,
              ${checkpoint} AS checkpoint,
              ${walk} AS walk,
              (SELECT coalesce(json_agg(json_build_array(id::text, kind, points, transaction_id::text, created_at::text) ORDER BY id DESC), '[]')
                 FROM (${LedgerSql.historyPage('$2', before, '$3')}) entry) AS history`,
      parameters,
    );
    return row;
  }
}
