import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';

/** Columns of a purchase that crediting writes; an absent (or null) field keeps its value. */
export interface PurchaseColumns {
  status?: string;
  creditedAt?: Date;
  stripeSessionId?: string;
  stripePaymentId?: string | null;
  stripeAmountPaidCents?: number | null;
  moderatorId?: string | null;
}

/**
 * Collects what the current transaction writes to its (already locked) purchase rows while it
 * credits them, and writes it all in one UPDATE just before commit. A credited purchase is then
 * rewritten once, not once for its status and again for its moderator: every rewrite of a row
 * touches each of the table's indexes.
 */
@Injectable()
export class PurchaseWrites {
  constructor(private readonly transactions: TransactionRunner) {}

  set(purchaseId: string, columns: PurchaseColumns): void {
    const pending = this.transactions.deferUntilCommit('purchase.writes', () => new Map<string, PurchaseColumns>(), (writes) => this.flush(writes));
    pending.set(purchaseId, { ...pending.get(purchaseId), ...columns });
  }

  private async flush(writes: Map<string, PurchaseColumns>): Promise<void> {
    if (writes.size === 0) return;
    const ids = [...writes.keys()];
    const column = <T>(pick: (columns: PurchaseColumns) => T | undefined) => ids.map((id) => pick(writes.get(id)!) ?? null);
    await this.transactions.manager.query(
      `UPDATE profile_point_transactions t
          SET status = coalesce(x.status, t.status),
              credited_at = coalesce(x.credited_at, t.credited_at),
              stripe_session_id = coalesce(x.session_id, t.stripe_session_id),
              stripe_payment_id = coalesce(x.payment_id, t.stripe_payment_id),
              stripe_amount_paid_cents = coalesce(x.paid, t.stripe_amount_paid_cents),
              moderator_id = coalesce(x.moderator_id, t.moderator_id),
              updated_at = now()
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
              AS x(id, status, credited_at, session_id, payment_id, paid, moderator_id)
        WHERE t.id = x.id`,
      [
        ids,
        column((c) => c.status),
        column((c) => c.creditedAt),
        column((c) => c.stripeSessionId),
        column((c) => c.stripePaymentId),
        column((c) => c.stripeAmountPaidCents),
        column((c) => c.moderatorId),
      ],
    );
  }
}
