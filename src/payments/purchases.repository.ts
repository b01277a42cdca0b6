import { Injectable } from '@nestjs/common';
import { FindOptionsWhere, In, IsNull, LessThan } from 'typeorm';
import { isId } from '../common/ids';
import { TransactionRunner } from '../database/transaction';
import { Purchase } from './entities/purchase.entity';
import { PurchasesPort } from '../points/purchases.port';
import { PurchaseChanges, PurchaseColumns } from './purchase-changes';
import { CHECKOUT_SESSION_NOT_CREATED, FraudWarningStatus, PurchaseStatus } from './purchase-status';

/** What a new checkout stores before Stripe is asked for a session. */
export interface NewPurchase {
  clientId: string;
  profileId: string;
  packCode: string;
  pointsAmount: number;
  amountCents: number;
  currency: string;
}

/** Which purchases a history page lists: a client's, a profile's, or a client's for one profile. */
export type HistoryFilter = { clientId: string; profileId?: string } | { profileId: string; clientId?: string };

/** A session as far as finding its purchase goes. */
export interface SessionKey {
  id: string;
  client_reference_id: string | null;
}

/**
 * Every statement on `profile_point_transactions`. What payment facts and crediting change is
 * collected by the operation that holds the rows (`PurchaseChanges`) and written here once, in one
 * UPDATE, at its end (`write`).
 */
@Injectable()
export class PurchasesRepository implements PurchasesPort {
  constructor(private readonly transactions: TransactionRunner) {}

  private get rows() {
    return this.transactions.repository(Purchase);
  }

  /** Inserts a pending purchase; its id becomes the session's client_reference_id. */
  createPending(purchase: NewPurchase): Promise<Purchase> {
    return this.rows.save(this.rows.create({ ...purchase, status: PurchaseStatus.Pending }));
  }

  /** Serialises a client's checkouts until the current transaction ends (a transaction-scoped advisory lock). */
  async lockCheckoutsOf(clientId: string): Promise<void> {
    await this.transactions.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('checkout:' || $1::text, 0))`, [clientId]);
  }

  /**
   * The client's purchases still pending and younger than `withinSeconds`, among its newest 200 (read
   * through its index), and in how many seconds the oldest of them leaves that window (0 for none).
   */
  async recentPending(clientId: string, withinSeconds: number): Promise<{ count: number; oldestLeavesInSeconds: number }> {
    const [row] = await this.transactions.manager.query<Array<{ count: number; leaves: number }>>(
      `SELECT count(*)::int AS count,
              coalesce(ceil(extract(epoch FROM min(created_at) + make_interval(secs => $2) - now())), 0)::int AS leaves
         FROM (SELECT status, created_at FROM profile_point_transactions WHERE client_id = $1 ORDER BY id DESC LIMIT 200) recent
        WHERE status = 'pending' AND created_at > now() - make_interval(secs => $2)`,
      [clientId, withinSeconds],
    );
    return { count: row.count, oldestLeavesInSeconds: row.leaves };
  }

  /** Stripe created no session: the purchase, if still pending without one, can never be paid. */
  async markCheckoutFailed(id: string): Promise<void> {
    await this.rows.update(
      { id, status: PurchaseStatus.Pending, stripeSessionId: IsNull() },
      { status: PurchaseStatus.Failed, failureReason: CHECKOUT_SESSION_NOT_CREATED },
    );
  }

  /** Remembers the purchase's session, unless one is remembered already (a webhook may have come first). */
  async attachSession(id: string, sessionId: string): Promise<void> {
    await this.rows.update({ id, stripeSessionId: IsNull() }, { stripeSessionId: sessionId });
  }

  async findBySessionForClient(sessionId: string, clientId: string): Promise<Purchase | null> {
    return this.rows.findOneBy({ stripeSessionId: sessionId, clientId });
  }

  async get(id: string): Promise<Purchase> {
    return this.rows.findOneByOrFail({ id });
  }

  /** Newest first, ids below `cursor`; `take` rows at most. */
  async page(filter: HistoryFilter, cursor: string | undefined, take: number): Promise<Purchase[]> {
    const where: FindOptionsWhere<Purchase> = { ...filter };
    return this.rows.find({ where: cursor ? { ...where, id: LessThan(cursor) } : where, order: { id: 'DESC' }, take });
  }

  async existsByPayment(paymentIntentId: string): Promise<boolean> {
    return this.rows.existsBy({ stripePaymentId: paymentIntentId });
  }

  async exists(id: string): Promise<boolean> {
    return this.rows.existsBy({ id });
  }

  /** Pending purchases with a session, created `olderThanSeconds` ago or more, in id order after `after`. */
  async stalePending(olderThanSeconds: number, after: string, limit: number): Promise<Purchase[]> {
    return this.rows
      .createQueryBuilder('t')
      .where('t.status = :pending', { pending: PurchaseStatus.Pending })
      .andWhere('t.stripe_session_id IS NOT NULL')
      .andWhere(`t.created_at <= now() - make_interval(secs => :age)`, { age: olderThanSeconds })
      .andWhere('t.id > :after', { after })
      .orderBy('t.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Pending purchases whose session id was never stored (Stripe's answer never arrived, or arrived
   * while the database refused it), created `olderThanSeconds` ago or more, in id order after
   * `after`: the reconciliation asks Stripe whether it made their session.
   */
  async staleWithoutSession(olderThanSeconds: number, after: string, limit: number): Promise<Purchase[]> {
    return this.rows
      .createQueryBuilder('t')
      .where('t.status = :pending', { pending: PurchaseStatus.Pending })
      .andWhere('t.stripe_session_id IS NULL')
      .andWhere(`t.created_at <= now() - make_interval(secs => :age)`, { age: olderThanSeconds })
      .andWhere('t.id > :after', { after })
      .orderBy('t.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Every purchase the sessions may name, locked FOR UPDATE in id order, in one statement: by
   * session id, or by client_reference_id (when the session id was never stored: a crash after
   * Stripe answered).
   */
  async lockBySessions(sessions: readonly SessionKey[]): Promise<Purchase[]> {
    const references = sessions.map((session) => session.client_reference_id).filter((reference): reference is string => isId(reference));
    return this.rows.find({
      where: [{ stripeSessionId: In(sessions.map((session) => session.id)) }, ...(references.length > 0 ? [{ id: In(references) }] : [])],
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** The purchase a charge paid, locked FOR UPDATE: by its payment intent, else by the charge id a refund or dispute stored. */
  async lockByCharge(chargeId: string | null, paymentIntentId: string | null): Promise<Purchase | null> {
    const lock = { mode: 'pessimistic_write' } as const;
    if (paymentIntentId) {
      const byPayment = await this.rows.findOne({ where: { stripePaymentId: paymentIntentId }, lock });
      if (byPayment) return byPayment;
    }
    return chargeId ? this.rows.findOne({ where: { stripeChargeId: chargeId }, lock }) : null;
  }

  /**
   * Locks purchases whose held points an assignment releases, without waiting (55P03 if one is
   * busy). FOR NO KEY UPDATE is what recording their moderator (`recordModerator`) needs.
   */
  async lockForRelease(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.transactions.manager.query(`SELECT id FROM profile_point_transactions WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE NOWAIT`, [
      ids,
    ]);
  }

  /**
   * Writes the changes an operation collected for the purchases it holds, in one UPDATE: each row
   * gets exactly the columns that changed for it, the others keep their values. One typed array per
   * column, unnested together (the planner then knows how many rows come, and reads each purchase
   * through its primary key); a column a row sets to NULL is named in that row's `nulls`.
   */
  async write(changes: PurchaseChanges): Promise<void> {
    if (changes.size === 0) return;
    const rows = [...changes.entries()];
    const fields = Object.keys(WRITABLE_COLUMNS) as Array<keyof PurchaseColumns>;
    const assignments = fields.map((field) => {
      const [column] = WRITABLE_COLUMNS[field];
      return `${column} = CASE WHEN x.${column} IS NOT NULL THEN x.${column} WHEN '${column}' = ANY(x.nulls::text[]) THEN NULL ELSE t.${column} END`;
    });
    const arrays = fields.map((field, i) => `$${i + 2}::${WRITABLE_COLUMNS[field][1]}[]`);
    await this.transactions.manager.query(
      `UPDATE profile_point_transactions t
          SET ${assignments.join(',\n              ')},
              updated_at = now()
         FROM unnest($1::bigint[], ${arrays.join(', ')}, $${fields.length + 2}::text[]) AS x(id, ${fields.map((field) => WRITABLE_COLUMNS[field][0]).join(', ')}, nulls)
        WHERE t.id = x.id`,
      [
        rows.map(([id]) => id),
        ...fields.map((field) => rows.map(([, columns]) => columns[field] ?? null)),
        rows.map(([, columns]) => `{${fields.filter((field) => field in columns && columns[field] === null).map((field) => WRITABLE_COLUMNS[field][0]).join(',')}}`),
      ],
    );
  }

  /**
   * Records the moderator who now earns these purchases (their held points were released to them).
   * The rows are locked already (`lockForRelease`).
   */
  async recordModerator(ids: readonly string[], moderatorId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.transactions.manager.query(`UPDATE profile_point_transactions SET moderator_id = $2, updated_at = now() WHERE id = ANY($1::bigint[])`, [
      ids,
      moderatorId,
    ]);
  }

  /** The purchase an early fraud warning is about, locked FOR UPDATE; null for an unknown warning. */
  async lockByFraudWarning(warningId: string): Promise<Purchase | null> {
    return this.rows.findOne({ where: { fraudWarningId: warningId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Purchases with an early fraud warning, newest purchase first (keyset on id), only those in `status` when given. */
  async fraudWarnings(status: FraudWarningStatus | undefined, cursor: string | undefined, take: number): Promise<Purchase[]> {
    const query = this.rows.createQueryBuilder('t').where('t.fraud_warning_id IS NOT NULL').orderBy('t.id', 'DESC').limit(take);
    if (status) query.andWhere('t.fraud_warning_status = :status', { status });
    if (cursor) query.andWhere('t.id < :cursor', { cursor });
    return query.getMany();
  }
}

/** The columns `write` can set: the purchase's field → its column and SQL type. */
const WRITABLE_COLUMNS: Record<keyof PurchaseColumns, readonly [string, string]> = {
  status: ['status', 'text'],
  creditedAt: ['credited_at', 'timestamptz'],
  stripeSessionId: ['stripe_session_id', 'text'],
  stripePaymentId: ['stripe_payment_id', 'text'],
  stripeChargeId: ['stripe_charge_id', 'text'],
  stripeAmountPaidCents: ['stripe_amount_paid_cents', 'bigint'],
  stripeAmountRefundedCents: ['stripe_amount_refunded_cents', 'bigint'],
  refundedPoints: ['refunded_points', 'bigint'],
  disputedPoints: ['disputed_points', 'bigint'],
  disputeId: ['dispute_id', 'text'],
  disputeStatus: ['dispute_status', 'text'],
  failureReason: ['failure_reason', 'text'],
  moderatorId: ['moderator_id', 'bigint'],
  fraudWarningId: ['fraud_warning_id', 'text'],
  fraudWarningStatus: ['fraud_warning_status', 'text'],
  fraudWarnedAt: ['fraud_warned_at', 'timestamptz'],
  fraudRefundCents: ['fraud_refund_cents', 'bigint'],
};
