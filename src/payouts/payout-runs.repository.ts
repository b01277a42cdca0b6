import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';

export type PayoutStatus = 'pending' | 'paid' | 'cancelled';

export interface SkippedPayout {
  moderatorId: string;
  currency: string;
  amountCents: number;
  reason: 'no_payout_details' | 'erased';
}

export interface PayoutRun {
  id: string;
  until: Date;
  minimumCents: number;
  skipped: SkippedPayout[];
  createdBy: string | null;
  createdAt: Date;
}

export interface Payout {
  id: string;
  runId: string;
  moderatorId: string;
  currency: string;
  amountCents: number;
  status: PayoutStatus;
  iban: string | null;
  holderName: string | null;
  createdAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
}

export interface NewPayout {
  moderatorId: string;
  currency: string;
  amountCents: number;
  iban: string;
  holderName: string;
}

/** What a moderator's payouts hold (pending) and took (paid), in one currency. */
export interface PayoutSums {
  moderatorId: string;
  currency: string;
  pendingCents: number;
  paidCents: number;
}

interface RunRow {
  id: string;
  until: Date;
  minimum_cents: string;
  skipped: SkippedPayout[];
  created_by: string | null;
  created_at: Date;
}

interface PayoutRow {
  id: string;
  run_id: string;
  moderator_id: string;
  currency: string;
  amount_cents: string;
  status: PayoutStatus;
  iban: string | null;
  holder_name: string | null;
  created_at: Date;
  paid_at: Date | null;
  cancelled_at: Date | null;
}

const toRun = (row: RunRow): PayoutRun => ({
  id: row.id,
  until: row.until,
  minimumCents: Number(row.minimum_cents),
  skipped: row.skipped,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

const toPayout = (row: PayoutRow): Payout => ({
  id: row.id,
  runId: row.run_id,
  moderatorId: row.moderator_id,
  currency: row.currency,
  amountCents: Number(row.amount_cents),
  status: row.status,
  iban: row.iban,
  holderName: row.holder_name,
  createdAt: row.created_at,
  paidAt: row.paid_at,
  cancelledAt: row.cancelled_at,
});

/**
 * Every statement on `payout_runs` and `payouts`, inside the caller's transaction when there is one.
 * Whatever creates payouts, or cancels them for an erasure, first takes the payout runs' lock: a
 * transaction-scoped advisory lock, first in that path's lock order.
 */
@Injectable()
export class PayoutRunsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /** Serialises the creation of payout runs (and erasures' cancellations) until the current transaction ends. */
  async lockRuns(): Promise<void> {
    await this.transactions.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('payout-runs', 0))`);
  }

  async runByUntil(until: Date): Promise<PayoutRun | null> {
    const [row] = await this.transactions.manager.query<RunRow[]>(`SELECT * FROM payout_runs WHERE until = $1`, [until]);
    return row ? toRun(row) : null;
  }

  async run(id: string): Promise<PayoutRun | null> {
    const [row] = await this.transactions.manager.query<RunRow[]>(`SELECT * FROM payout_runs WHERE id = $1`, [id]);
    return row ? toRun(row) : null;
  }

  /** Runs newest first, ids below `cursor`; `take` at most. */
  async runs(cursor: string | undefined, take: number): Promise<PayoutRun[]> {
    const rows = await this.transactions.manager.query<RunRow[]>(
      `SELECT * FROM payout_runs WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
      [cursor ?? null, take],
    );
    return rows.map(toRun);
  }

  async insertRun(run: { until: Date; minimumCents: number; skipped: SkippedPayout[]; createdBy: string | null }): Promise<PayoutRun> {
    const [row] = await this.transactions.manager.query<RunRow[]>(
      `INSERT INTO payout_runs (until, minimum_cents, skipped, created_by) VALUES ($1, $2, $3, $4) RETURNING *`,
      [run.until, run.minimumCents, JSON.stringify(run.skipped), run.createdBy],
    );
    return toRun(row);
  }

  /** The payouts of a run, one statement, by moderator and currency. */
  async insertPayouts(runId: string, payouts: readonly NewPayout[]): Promise<void> {
    if (payouts.length === 0) return;
    const column = <T>(pick: (payout: NewPayout) => T) => payouts.map(pick);
    await this.transactions.manager.query(
      `INSERT INTO payouts (run_id, moderator_id, currency, amount_cents, iban, holder_name)
       SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[])`,
      [
        runId,
        column((payout) => payout.moderatorId),
        column((payout) => payout.currency),
        column((payout) => payout.amountCents),
        column((payout) => payout.iban),
        column((payout) => payout.holderName),
      ],
    );
  }

  /** A run's payouts, through uq_payouts_run_moderator_currency, by moderator and currency. */
  async payoutsOf(runIds: readonly string[]): Promise<Payout[]> {
    if (runIds.length === 0) return [];
    const rows = await this.transactions.manager.query<PayoutRow[]>(
      `SELECT * FROM payouts WHERE run_id = ANY($1::bigint[]) ORDER BY run_id, moderator_id, currency`,
      [runIds],
    );
    return rows.map(toPayout);
  }

  async payout(id: string): Promise<Payout | null> {
    const [row] = await this.transactions.manager.query<PayoutRow[]>(`SELECT * FROM payouts WHERE id = $1`, [id]);
    return row ? toPayout(row) : null;
  }

  /** What pending payouts hold and paid ones took, per moderator and currency: of one moderator, or of all (null). */
  async sums(moderatorId: string | null): Promise<PayoutSums[]> {
    // ix_payouts_moderator serves both: one moderator's range, or the whole (partial) index.
    const rows = await this.transactions.manager.query<Array<{ moderator_id: string; currency: string; pending: string; paid: string }>>(
      `SELECT moderator_id, currency,
              coalesce(sum(amount_cents) FILTER (WHERE status = 'pending'), 0) AS pending,
              coalesce(sum(amount_cents) FILTER (WHERE status = 'paid'), 0) AS paid
         FROM payouts WHERE status <> 'cancelled' ${moderatorId === null ? '' : 'AND moderator_id = $1'}
        GROUP BY moderator_id, currency`,
      moderatorId === null ? [] : [moderatorId],
    );
    return rows.map((row) => ({ moderatorId: row.moderator_id, currency: row.currency, pendingCents: Number(row.pending), paidCents: Number(row.paid) }));
  }

  /**
   * A pending payout becomes paid or cancelled, in one statement (the row's lock decides between
   * two admins); null when it is not pending (any more), writing nothing.
   */
  async transition(id: string, to: 'paid' | 'cancelled', adminId: string): Promise<Payout | null> {
    // In a WITH, so that the driver answers the rows themselves (for an UPDATE it adds the count).
    const [row] = await this.transactions.manager.query<PayoutRow[]>(
      `WITH changed AS (
         UPDATE payouts SET status = $2, changed_by = $3,
                paid_at = CASE WHEN $2 = 'paid' THEN now() END, cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() END
          WHERE id = $1 AND status = 'pending'
         RETURNING *
       )
       SELECT * FROM changed`,
      [id, to, adminId],
    );
    return row ? toPayout(row) : null;
  }

  /** An erased moderator's pending payouts are cancelled, their bank details removed from them; returns how many. */
  async cancelPendingOf(moderatorId: string): Promise<number> {
    const rows = await this.transactions.manager.query<Array<{ id: string }>>(
      `WITH cancelled AS (
         UPDATE payouts SET status = 'cancelled', cancelled_at = now(), iban = NULL, holder_name = NULL
          WHERE moderator_id = $1 AND status = 'pending' RETURNING id
       )
       SELECT id FROM cancelled`,
      [moderatorId],
    );
    return rows.length;
  }

  /** What was paid to a moderator before `at`, per currency. */
  async paidBefore(moderatorId: string, at: Date): Promise<Map<string, number>> {
    const rows = await this.transactions.manager.query<Array<{ currency: string; paid: string }>>(
      `SELECT currency, sum(amount_cents) AS paid FROM payouts WHERE moderator_id = $1 AND status = 'paid' AND paid_at < $2 GROUP BY currency`,
      [moderatorId, at],
    );
    return new Map(rows.map((row) => [row.currency, Number(row.paid)]));
  }

  /** A moderator's payouts paid in [from, to), oldest first. */
  async paidBetween(moderatorId: string, from: Date, to: Date): Promise<Payout[]> {
    const rows = await this.transactions.manager.query<PayoutRow[]>(
      `SELECT * FROM payouts WHERE moderator_id = $1 AND status = 'paid' AND paid_at >= $2 AND paid_at < $3 ORDER BY paid_at, id`,
      [moderatorId, from, to],
    );
    return rows.map(toPayout);
  }
}
