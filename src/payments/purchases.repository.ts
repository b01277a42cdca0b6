import { Injectable } from '@nestjs/common';
import { FindOptionsWhere, In, IsNull, LessThan } from 'typeorm';
import { isId } from '../common/ids';
import { TransactionRunner } from '../database/transaction';
import { PointTransaction } from './entities/point-transaction.entity';
import { CHECKOUT_SESSION_NOT_CREATED, DisputeStatus, FraudWarningStatus, TransactionStatus } from './purchase-status';

/**
 * Columns of a purchase that payment facts and crediting change. An absent field keeps its value,
 * and so does a null one: a Stripe reference, once stored, is never forgotten by a later fact that
 * lacks it, and a purchase whose points are held (no moderator yet) keeps whoever earned it before.
 */
export interface PurchaseColumns {
  status?: TransactionStatus;
  creditedAt?: Date;
  stripeSessionId?: string;
  stripePaymentId?: string;
  stripeChargeId?: string;
  stripeAmountPaidCents?: number;
  stripeAmountRefundedCents?: number;
  refundedPoints?: number;
  disputedPoints?: number;
  disputeId?: string;
  disputeStatus?: DisputeStatus;
  failureReason?: string;
  moderatorId?: string | null;
  fraudWarningId?: string;
  fraudWarningStatus?: FraudWarningStatus;
  fraudWarnedAt?: Date;
  fraudRefundCents?: number;
}

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

type StagedWrites = Map<string, PurchaseColumns>;

/**
 * Every statement on `profile_point_transactions`. Changes to purchases made inside a transaction
 * are staged (`stage`) and written together in one UPDATE just before commit (the `purchase.writes`
 * step): a purchase decided, credited and attributed in one transaction is rewritten once, and
 * every rewrite of a row touches each of the table's indexes. Staging needs the rows locked first
 * (`lockBySessions`, `lockByCharge`, `lockForRelease`). The paths that stage lock their rows once
 * and then work on the loaded rows; should a read of purchases come after a staged change in the
 * same transaction, the changes staged so far are written first, so that it reads them.
 */
@Injectable()
export class PurchasesRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  private get rows() {
    return this.transactions.repository(PointTransaction);
  }

  /** Inserts a pending purchase; its id becomes the session's client_reference_id. */
  createPending(purchase: NewPurchase): Promise<PointTransaction> {
    return this.rows.save(this.rows.create({ ...purchase, status: TransactionStatus.Pending }));
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
    await this.writeStaged();
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
      { id, status: TransactionStatus.Pending, stripeSessionId: IsNull() },
      { status: TransactionStatus.Failed, failureReason: CHECKOUT_SESSION_NOT_CREATED },
    );
  }

  /** Remembers the purchase's session, unless one is remembered already (a webhook may have come first). */
  async attachSession(id: string, sessionId: string): Promise<void> {
    await this.rows.update({ id, stripeSessionId: IsNull() }, { stripeSessionId: sessionId });
  }

  async findBySessionForClient(sessionId: string, clientId: string): Promise<PointTransaction | null> {
    await this.writeStaged();
    return this.rows.findOneBy({ stripeSessionId: sessionId, clientId });
  }

  async get(id: string): Promise<PointTransaction> {
    await this.writeStaged();
    return this.rows.findOneByOrFail({ id });
  }

  /** Newest first, ids below `cursor`; `take` rows at most. */
  async page(filter: HistoryFilter, cursor: string | undefined, take: number): Promise<PointTransaction[]> {
    await this.writeStaged();
    const where: FindOptionsWhere<PointTransaction> = { ...filter };
    return this.rows.find({ where: cursor ? { ...where, id: LessThan(cursor) } : where, order: { id: 'DESC' }, take });
  }

  async existsByPayment(paymentIntentId: string): Promise<boolean> {
    await this.writeStaged();
    return this.rows.existsBy({ stripePaymentId: paymentIntentId });
  }

  async exists(id: string): Promise<boolean> {
    await this.writeStaged();
    return this.rows.existsBy({ id });
  }

  /** Pending purchases with a session, created `olderThanSeconds` ago or more, in id order after `after`. */
  async stalePending(olderThanSeconds: number, after: string, limit: number): Promise<PointTransaction[]> {
    await this.writeStaged();
    return this.rows
      .createQueryBuilder('t')
      .where('t.status = :pending', { pending: TransactionStatus.Pending })
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
  async staleWithoutSession(olderThanSeconds: number, after: string, limit: number): Promise<PointTransaction[]> {
    await this.writeStaged();
    return this.rows
      .createQueryBuilder('t')
      .where('t.status = :pending', { pending: TransactionStatus.Pending })
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
  async lockBySessions(sessions: readonly SessionKey[]): Promise<PointTransaction[]> {
    await this.writeStaged();
    const references = sessions.map((session) => session.client_reference_id).filter((reference): reference is string => isId(reference));
    return this.rows.find({
      where: [{ stripeSessionId: In(sessions.map((session) => session.id)) }, ...(references.length > 0 ? [{ id: In(references) }] : [])],
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** The purchase a charge paid, locked FOR UPDATE: by its payment intent, else by the charge id a refund or dispute stored. */
  async lockByCharge(chargeId: string | null, paymentIntentId: string | null): Promise<PointTransaction | null> {
    await this.writeStaged();
    const lock = { mode: 'pessimistic_write' } as const;
    if (paymentIntentId) {
      const byPayment = await this.rows.findOne({ where: { stripePaymentId: paymentIntentId }, lock });
      if (byPayment) return byPayment;
    }
    return chargeId ? this.rows.findOne({ where: { stripeChargeId: chargeId }, lock }) : null;
  }

  /**
   * Locks purchases whose held points an assignment releases, without waiting (55P03 if one is
   * busy). FOR NO KEY UPDATE is what the moderator staged for them at commit needs.
   */
  async lockForRelease(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.transactions.manager.query(`SELECT id FROM profile_point_transactions WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE NOWAIT`, [
      ids,
    ]);
  }

  /**
   * Stages changes to a locked purchase and keeps them on the loaded row, which later facts of the
   * same transaction read: they see what an earlier fact decided before anything is written.
   */
  stage(purchase: PointTransaction, changes: PurchaseColumns): void {
    const present = presentColumns(changes);
    this.stageColumns(purchase.id, present);
    Object.assign(purchase, present);
  }

  /** Stages changes to a purchase the current transaction holds; written with the others just before commit. */
  stageColumns(purchaseId: string, changes: PurchaseColumns): void {
    const present = presentColumns(changes);
    if (Object.keys(present).length === 0) return;
    const staged = this.staged();
    staged.set(purchaseId, { ...staged.get(purchaseId), ...present });
  }

  /** The current transaction's staged writes, created on first use and written at its `purchase.writes` step. */
  private staged(): StagedWrites {
    return this.transactions.deferUntilCommit('purchase.writes', (): StagedWrites => new Map(), (writes) => this.flush(writes));
  }

  /**
   * Writes what the current transaction staged so far, before it reads purchases: a read must see
   * them. A no-op outside a transaction and when nothing is staged, which is every path today.
   */
  private async writeStaged(): Promise<void> {
    if (!this.transactions.inTransaction) return;
    const staged = this.staged();
    if (staged.size === 0) return;
    const writes = new Map(staged);
    staged.clear();
    await this.flush(writes);
  }

  /** One UPDATE for every purchase the transaction changed; coalesce keeps the columns a purchase did not change. */
  private async flush(writes: StagedWrites): Promise<void> {
    if (writes.size === 0) return;
    const ids = [...writes.keys()];
    const column = <T>(pick: (columns: PurchaseColumns) => T | null | undefined) => ids.map((id) => pick(writes.get(id)!) ?? null);
    await this.transactions.manager.query(
      `UPDATE profile_point_transactions t
          SET status = coalesce(x.status, t.status),
              credited_at = coalesce(x.credited_at, t.credited_at),
              stripe_session_id = coalesce(x.session_id, t.stripe_session_id),
              stripe_payment_id = coalesce(x.payment_id, t.stripe_payment_id),
              stripe_charge_id = coalesce(x.charge_id, t.stripe_charge_id),
              stripe_amount_paid_cents = coalesce(x.paid, t.stripe_amount_paid_cents),
              stripe_amount_refunded_cents = coalesce(x.refunded, t.stripe_amount_refunded_cents),
              refunded_points = coalesce(x.refunded_points, t.refunded_points),
              disputed_points = coalesce(x.disputed_points, t.disputed_points),
              dispute_id = coalesce(x.dispute_id, t.dispute_id),
              dispute_status = coalesce(x.dispute_status, t.dispute_status),
              -- A completed purchase has no failure (one whose session was never received may still be paid).
              failure_reason = CASE WHEN x.status = 'completed' THEN NULL ELSE coalesce(x.failure_reason, t.failure_reason) END,
              moderator_id = coalesce(x.moderator_id, t.moderator_id),
              fraud_warning_id = coalesce(x.fraud_warning_id, t.fraud_warning_id),
              fraud_warning_status = coalesce(x.fraud_warning_status, t.fraud_warning_status),
              fraud_warned_at = coalesce(x.fraud_warned_at, t.fraud_warned_at),
              fraud_refund_cents = coalesce(x.fraud_refund_cents, t.fraud_refund_cents),
              updated_at = now()
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
                     $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::bigint[],
                     $15::text[], $16::text[], $17::timestamptz[], $18::bigint[])
              AS x(id, status, credited_at, session_id, payment_id, charge_id, paid, refunded,
                   refunded_points, disputed_points, dispute_id, dispute_status, failure_reason, moderator_id,
                   fraud_warning_id, fraud_warning_status, fraud_warned_at, fraud_refund_cents)
        WHERE t.id = x.id`,
      [
        ids,
        column((c) => c.status),
        column((c) => c.creditedAt),
        column((c) => c.stripeSessionId),
        column((c) => c.stripePaymentId),
        column((c) => c.stripeChargeId),
        column((c) => c.stripeAmountPaidCents),
        column((c) => c.stripeAmountRefundedCents),
        column((c) => c.refundedPoints),
        column((c) => c.disputedPoints),
        column((c) => c.disputeId),
        column((c) => c.disputeStatus),
        column((c) => c.failureReason),
        column((c) => c.moderatorId),
        column((c) => c.fraudWarningId),
        column((c) => c.fraudWarningStatus),
        column((c) => c.fraudWarnedAt),
        column((c) => c.fraudRefundCents),
      ],
    );
  }

  /** The purchase an early fraud warning is about, locked FOR UPDATE; null for an unknown warning. */
  async lockByFraudWarning(warningId: string): Promise<PointTransaction | null> {
    await this.writeStaged();
    return this.rows.findOne({ where: { fraudWarningId: warningId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Purchases with an early fraud warning, newest purchase first (keyset on id), only those in `status` when given. */
  async fraudWarnings(status: FraudWarningStatus | undefined, cursor: string | undefined, take: number): Promise<PointTransaction[]> {
    await this.writeStaged();
    const query = this.rows.createQueryBuilder('t').where('t.fraud_warning_id IS NOT NULL').orderBy('t.id', 'DESC').limit(take);
    if (status) query.andWhere('t.fraud_warning_status = :status', { status });
    if (cursor) query.andWhere('t.id < :cursor', { cursor });
    return query.getMany();
  }
}

/** The fields that change something: an absent or null one keeps the stored value (see PurchaseColumns). */
function presentColumns(changes: PurchaseColumns): PurchaseColumns {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined && value !== null));
}
