import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { InteractionsSql } from '../interactions/interactions.sql';
import { LedgerAccount, LedgerAccountSql } from './ledger-accounts';
import { TransferKind } from './transfer-kind';

/** Points moved to and from a moderator's account in a range. */
export interface ModeratorLedgerTotals {
  moderatorId: string;
  creditedPoints: number;
  debitedPoints: number;
}

/**
 * A moderator's money in one currency at a moment (SPEC §11), per purchase summed: a purchase's
 * money (its share of what the client paid so far) is `pending` until its earning matures
 * (EARNINGS_MATURITY_DAYS after the purchase was first credited to the moderator), then `matured`;
 * a later refund or dispute changes it where it is, so a reversal of a matured purchase lowers
 * matured money (a debt once it was paid out).
 */
export interface MoneyPosition {
  moderatorId: string;
  currency: string;
  maturedCents: number;
  pendingCents: number;
  /** The matured money of purchases an early fraud warning holds: part of matured, kept out of payouts. */
  frozenCents: number;
}

/** One transfer of a moderator's account, with its money, for a statement. */
export interface AccountMovement {
  id: string;
  kind: TransferKind;
  /** A reversal's cause; null for other kinds. */
  reason: 'refund' | 'dispute' | null;
  /** Signed: + credited to the moderator, − taken back. */
  points: number;
  /** Signed like points; null for a purchase credited before shares existed. */
  moneyCents: number | null;
  currency: string | null;
  transactionId: string | null;
  profileId: string | null;
  createdAt: Date;
}

/** What a moderator's account held before a moment: points, and money per currency. */
export interface AccountTotals {
  points: number;
  money: Array<{ currency: string; cents: number }>;
}

/** Read-only aggregates over the ledger for other modules' reports. */
@Injectable()
export class LedgerReportsQueries {
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
   * The money positions at `at` of one moderator, or of every moderator (null), per currency, from
   * the transfers written at or before `at`: one statement over the money indexes of the ledger,
   * joined with the purchases' lots (frozen or not).
   */
  async moderatorMoney(moderatorId: string | null, at: Date, maturityDays: number): Promise<MoneyPosition[]> {
    const match = (column: string) => (moderatorId === null ? `${column} LIKE ${LedgerAccountSql.moderatorPattern}` : `${column} = $3`);
    const rows = await this.transactions.manager.query<Array<{ moderator_id: string; currency: string; matured: string; pending: string; frozen: string }>>(
      `WITH moves AS (
         SELECT credit_account AS account, transaction_id, currency, money_cents AS money, created_at AS credited_at
           FROM ledger_transfers WHERE ${match('credit_account')} AND money_cents IS NOT NULL AND created_at <= $1
         UNION ALL
         SELECT debit_account, transaction_id, currency, -money_cents, NULL
           FROM ledger_transfers WHERE ${match('debit_account')} AND money_cents IS NOT NULL AND created_at <= $1
       ), purchases AS (
         SELECT account, transaction_id, currency, sum(money) AS share,
                coalesce(min(credited_at), '-infinity') <= $1::timestamptz - make_interval(days => $2) AS matured
           FROM moves GROUP BY account, transaction_id, currency
       )
       SELECT ${LedgerAccountSql.moderatorIdOf('p.account')} AS moderator_id, p.currency,
              coalesce(sum(p.share) FILTER (WHERE p.matured), 0) AS matured,
              coalesce(sum(p.share) FILTER (WHERE NOT p.matured), 0) AS pending,
              coalesce(sum(p.share) FILTER (WHERE p.matured AND l.frozen_at IS NOT NULL), 0) AS frozen
         FROM purchases p LEFT JOIN point_lots l ON l.transaction_id = p.transaction_id
        GROUP BY p.account, p.currency
        ORDER BY ${LedgerAccountSql.moderatorIdOf('p.account')}::bigint, p.currency`,
      moderatorId === null ? [at, maturityDays] : [at, maturityDays, LedgerAccount.moderator(moderatorId)],
    );
    return rows.map((row) => ({
      moderatorId: row.moderator_id,
      currency: row.currency,
      maturedCents: Number(row.matured),
      pendingCents: Number(row.pending),
      frozenCents: Number(row.frozen),
    }));
  }

  /** The transfers of a moderator's account written in [from, to), oldest first, with their money and profile. */
  async accountMovements(moderatorId: string, from: Date, to: Date): Promise<AccountMovement[]> {
    const rows = await this.transactions.manager.query<
      Array<{
        id: string;
        kind: TransferKind;
        transfer_key: string;
        points: string;
        money_cents: string | null;
        currency: string | null;
        transaction_id: string | null;
        profile_id: string | null;
        created_at: Date;
      }>
    >(
      `SELECT t.id, t.kind, t.transfer_key, t.points, t.money_cents, t.currency, t.transaction_id, i.profile_id, t.created_at
         FROM (SELECT id, kind, transfer_key, points, money_cents, currency, transaction_id, interaction_id, created_at
                 FROM ledger_transfers WHERE credit_account = $1 AND created_at >= $2 AND created_at < $3
               UNION ALL
               SELECT id, kind, transfer_key, -points, -money_cents, currency, transaction_id, interaction_id, created_at
                 FROM ledger_transfers WHERE debit_account = $1 AND created_at >= $2 AND created_at < $3) t
         LEFT JOIN (${InteractionsSql.parties}) i ON i.id = t.interaction_id
        ORDER BY t.created_at, t.id`,
      [LedgerAccount.moderator(moderatorId), from, to],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      reason: row.kind === TransferKind.Reversal ? reversalReasonOf(row.transfer_key) : null,
      points: Number(row.points),
      moneyCents: row.money_cents === null ? null : Number(row.money_cents),
      currency: row.currency,
      transactionId: row.transaction_id,
      profileId: row.profile_id,
      createdAt: row.created_at,
    }));
  }

  /** What a moderator's account held just before `at`: its points, and its money per currency. */
  async accountTotalsBefore(moderatorId: string, at: Date): Promise<AccountTotals> {
    const rows = await this.transactions.manager.query<Array<{ currency: string | null; points: string; cents: string | null }>>(
      `SELECT currency, sum(points) AS points, sum(money_cents) AS cents
         FROM (SELECT currency, points, money_cents FROM ledger_transfers WHERE credit_account = $1 AND created_at < $2
               UNION ALL
               SELECT currency, -points, -money_cents FROM ledger_transfers WHERE debit_account = $1 AND created_at < $2) t
        GROUP BY currency ORDER BY currency NULLS FIRST`,
      [LedgerAccount.moderator(moderatorId), at],
    );
    return {
      points: rows.reduce((sum, row) => sum + Number(row.points), 0),
      money: rows.filter((row) => row.currency !== null).map((row) => ({ currency: row.currency!, cents: Number(row.cents ?? 0) })),
    };
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
}

/** Which Stripe fact a reversal undid, read from its ledger key (`refund:<purchase>:<cents>…`, `dispute:<id>…`). */
function reversalReasonOf(transferKey: string): 'refund' | 'dispute' | null {
  if (transferKey.startsWith('refund:')) return 'refund';
  if (transferKey.startsWith('dispute:')) return 'dispute';
  return null;
}
