import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Env } from '../../src/config/env.schema';
import { LedgerAccount } from '../../src/points/ledger-accounts';
import { ReconciliationReportQueries } from '../../src/payments/reconciliation/reconciliation-report.queries';
import { ReconciliationFlag, ReconciliationQuery, ReconciliationRowDto } from '../../src/payments/reconciliation/reconciliation.dto';
import { PurchaseStatus } from '../../src/payments/purchase-status';
import { createInteraction, TestInteraction } from '../points/interactions';
import { useOwnerDatabase } from '../support/owner-database';

const RECONCILE_AFTER_SECONDS = 600;

interface Purchase {
  status: PurchaseStatus;
  points?: number;
  amountCents?: number;
  refundedPoints?: number;
  disputedPoints?: number;
  /** What Stripe reported as paid; null when it reported nothing. */
  paidCents?: number | null;
  refundedCents?: number;
  failureReason?: string | null;
  /** How long ago it was created. */
  ageSeconds?: number;
}

/**
 * The reconciliation report (GET /admin/reconciliation): each purchase with what Stripe reported
 * and what the ledger credited for it, and its flags. It pages through every purchase, so the suite
 * has a scratch database of its own: every row it reports was written by the test (rolled back).
 */
describe('ReconciliationReportQueries', () => {
  const owner = useOwnerDatabase({ ownDatabase: 'reconreport' });
  let report: ReconciliationReportQueries;
  let c: TestInteraction;

  beforeAll(async () => {
    report = new ReconciliationReportQueries(owner.transactions, Object.assign(new Env(), { RECONCILE_AFTER_SECONDS }));
    c = await createInteraction(owner.db);
  });

  const query = (fields: Partial<Pick<ReconciliationQuery, 'limit' | 'cursor' | 'mismatches'>> = {}) => Object.assign(new ReconciliationQuery(), fields);

  const insert = async (db: EntityManager, p: Purchase): Promise<string> => {
    const credited = p.status === PurchaseStatus.Completed || p.status === PurchaseStatus.Refunded;
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO profile_point_transactions
         (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, currency, status, refunded_points, disputed_points,
          stripe_amount_paid_cents, stripe_amount_refunded_cents, failure_reason, created_at, credited_at)
       VALUES ($1, $2, $3, 'p', $4, $5, 'eur', $6, $7, $8, $9, $10, $11, now() - make_interval(secs => $12), CASE WHEN $13 THEN now() END)
       RETURNING id`,
      [
        c.clientId,
        c.profileId,
        c.moderatorId,
        p.points ?? 100,
        p.amountCents ?? 299,
        p.status,
        p.refundedPoints ?? 0,
        p.disputedPoints ?? 0,
        p.paidCents === undefined ? (credited ? (p.amountCents ?? 299) : null) : p.paidCents,
        p.refundedCents ?? 0,
        p.failureReason ?? null,
        p.ageSeconds ?? 0,
        credited,
      ],
    );
    return id;
  };

  const transfer = (db: EntityManager, transactionId: string, kind: string, debit: string, credit: string, points: number) =>
    db.query(
      `INSERT INTO ledger_transfers (transfer_key, kind, debit_account, credit_account, points, transaction_id, interaction_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [`test:${randomUUID()}`, kind, debit, credit, points, transactionId, c.interactionId],
    );

  /** What the service writes when it credits a purchase: the client's points, the moderator's share (held, then released). */
  const credit = async (db: EntityManager, transactionId: string, client: number, moderator = client) => {
    if (client > 0) await transfer(db, transactionId, 'purchase', LedgerAccount.stripeSales, LedgerAccount.client(c.interactionId), client);
    if (moderator > 0) {
      await transfer(db, transactionId, 'hold', LedgerAccount.platformEarnings, LedgerAccount.held(c.interactionId), moderator);
      await transfer(db, transactionId, 'release', LedgerAccount.held(c.interactionId), LedgerAccount.moderator(c.moderatorId), moderator);
    }
  };

  const reverse = async (db: EntityManager, transactionId: string, points: number) => {
    await transfer(db, transactionId, 'reversal', LedgerAccount.client(c.interactionId), LedgerAccount.stripeSales, points);
    await transfer(db, transactionId, 'reversal', LedgerAccount.moderator(c.moderatorId), LedgerAccount.platformEarnings, points);
  };

  const row = (id: string, fields: Partial<ReconciliationRowDto>): ReconciliationRowDto => ({
    id,
    status: PurchaseStatus.Completed,
    points: 100,
    amountCents: 299,
    currency: 'eur',
    stripePaidCents: 299,
    stripeRefundedCents: 0,
    expectedPoints: 100,
    clientCredited: 100,
    moderatorId: c.moderatorId,
    moderatorCredited: 100,
    flags: [],
    ...fields,
  });

  it('pairs each purchase with what Stripe reported and what the ledger credited, newest first, and flags what disagrees', async () => {
    await owner.rolledBack(async (db) => {
      const fine = await insert(db, { status: PurchaseStatus.Completed });
      await credit(db, fine, 100);

      // 500 points, 200 refunded and 100 disputed: 200 should be left on each side.
      const reversed = await insert(db, { status: PurchaseStatus.Refunded, points: 500, amountCents: 999, refundedPoints: 200, disputedPoints: 100, refundedCents: 400 });
      await credit(db, reversed, 500);
      await reverse(db, reversed, 300);

      const clientShort = await insert(db, { status: PurchaseStatus.Completed });
      await credit(db, clientShort, 90, 100);

      const moderatorMissing = await insert(db, { status: PurchaseStatus.Completed });
      await credit(db, moderatorMissing, 100, 0);

      const underpaid = await insert(db, { status: PurchaseStatus.Completed, paidCents: 199 });
      await credit(db, underpaid, 100);

      // Credited with nothing from Stripe, and nothing in the ledger: three flags at once.
      const unpaid = await insert(db, { status: PurchaseStatus.Completed, paidCents: null });

      const refusedAmount = await insert(db, { status: PurchaseStatus.Failed, paidCents: 199, failureReason: 'amount_mismatch' });
      const refusedCurrency = await insert(db, { status: PurchaseStatus.Failed, paidCents: 299, failureReason: 'currency_mismatch' });
      const declined = await insert(db, { status: PurchaseStatus.Failed, failureReason: 'async_payment_failed' });

      // Expired, yet the ledger credited it: nothing should be.
      const expiredButCredited = await insert(db, { status: PurchaseStatus.Expired });
      await credit(db, expiredButCredited, 100);

      // Stale once pending for twice RECONCILE_AFTER_SECONDS; the reconciliation job's own threshold is not enough.
      const stale = await insert(db, { status: PurchaseStatus.Pending, ageSeconds: 2 * RECONCILE_AFTER_SECONDS + 60 });
      const awaited = await insert(db, { status: PurchaseStatus.Pending, ageSeconds: 2 * RECONCILE_AFTER_SECONDS - 60 });

      const page = await report.report(query({ limit: 100 }));

      const notCredited = { expectedPoints: 0, clientCredited: 0, moderatorCredited: 0, stripePaidCents: null };
      expect(page).toEqual({
        items: [
          row(awaited, { ...notCredited, status: PurchaseStatus.Pending }),
          row(stale, { ...notCredited, status: PurchaseStatus.Pending, flags: [ReconciliationFlag.StalePending] }),
          row(expiredButCredited, {
            ...notCredited,
            status: PurchaseStatus.Expired,
            clientCredited: 100,
            moderatorCredited: 100,
            flags: [ReconciliationFlag.ClientCredit, ReconciliationFlag.ModeratorCredit],
          }),
          row(declined, { ...notCredited, status: PurchaseStatus.Failed }),
          row(refusedCurrency, { ...notCredited, status: PurchaseStatus.Failed, stripePaidCents: 299, flags: [ReconciliationFlag.PaidNotCredited] }),
          row(refusedAmount, { ...notCredited, status: PurchaseStatus.Failed, stripePaidCents: 199, flags: [ReconciliationFlag.PaidNotCredited] }),
          row(unpaid, {
            stripePaidCents: null,
            clientCredited: 0,
            moderatorCredited: 0,
            flags: [ReconciliationFlag.ClientCredit, ReconciliationFlag.ModeratorCredit, ReconciliationFlag.PaidAmount],
          }),
          row(underpaid, { stripePaidCents: 199, flags: [ReconciliationFlag.PaidAmount] }),
          row(moderatorMissing, { moderatorCredited: 0, flags: [ReconciliationFlag.ModeratorCredit] }),
          row(clientShort, { clientCredited: 90, flags: [ReconciliationFlag.ClientCredit] }),
          row(reversed, {
            status: PurchaseStatus.Refunded,
            points: 500,
            amountCents: 999,
            stripePaidCents: 999,
            stripeRefundedCents: 400,
            expectedPoints: 200,
            clientCredited: 200,
            moderatorCredited: 200,
          }),
          row(fine, {}),
        ],
        nextCursor: null,
      });
    });
  });

  it('gives only the flagged purchases with mismatches', async () => {
    await owner.rolledBack(async (db) => {
      const fine = await insert(db, { status: PurchaseStatus.Completed });
      await credit(db, fine, 100);
      const underpaid = await insert(db, { status: PurchaseStatus.Completed, paidCents: 199 });
      await credit(db, underpaid, 100);
      await insert(db, { status: PurchaseStatus.Pending });
      const stale = await insert(db, { status: PurchaseStatus.Pending, ageSeconds: 3 * RECONCILE_AFTER_SECONDS });

      const flagged = await report.report(query({ mismatches: true }));
      expect(flagged.items.map((item) => [item.id, item.flags])).toEqual([
        [stale, [ReconciliationFlag.StalePending]],
        [underpaid, [ReconciliationFlag.PaidAmount]],
      ]);
      expect(flagged.nextCursor).toBeNull();
      expect((await report.report(query({ mismatches: false }))).items).toHaveLength(4);
    });
  });

  it('pages newest first: the cursor is the last id of a page, the last page has none', async () => {
    await owner.rolledBack(async (db) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await insert(db, { status: PurchaseStatus.Completed }));
        await credit(db, ids[i], 100);
      }
      const newestFirst = [...ids].reverse();

      const first = await report.report(query({ limit: 2 }));
      expect(first.items.map((item) => item.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.nextCursor).toBe(newestFirst[1]);

      const second = await report.report(query({ limit: 2, cursor: first.nextCursor! }));
      expect(second.items.map((item) => item.id)).toEqual(newestFirst.slice(2, 4));
      expect(second.nextCursor).toBe(newestFirst[3]);

      const last = await report.report(query({ limit: 2, cursor: second.nextCursor! }));
      expect(last.items.map((item) => item.id)).toEqual(newestFirst.slice(4));
      expect(last.nextCursor).toBeNull();

      // A page that holds exactly what is left is the last one.
      const whole = await report.report(query({ limit: 5 }));
      expect(whole.items.map((item) => item.id)).toEqual(newestFirst);
      expect(whole.nextCursor).toBeNull();
    });
  });

  it('pages the mismatches alone, skipping the purchases that agree, below the cursor', async () => {
    await owner.rolledBack(async (db) => {
      const flagged: string[] = [];
      for (let i = 0; i < 6; i++) {
        // Every other purchase paid short.
        const id = await insert(db, { status: PurchaseStatus.Completed, paidCents: i % 2 === 0 ? 199 : 299 });
        await credit(db, id, 100);
        if (i % 2 === 0) flagged.push(id);
      }
      const newestFirst = [...flagged].reverse();

      const first = await report.report(query({ limit: 2, mismatches: true }));
      expect(first.items.map((item) => item.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.nextCursor).toBe(newestFirst[1]);

      const rest = await report.report(query({ limit: 2, mismatches: true, cursor: first.nextCursor! }));
      expect(rest.items.map((item) => item.id)).toEqual(newestFirst.slice(2));
      expect(rest.nextCursor).toBeNull();
    });
  });
});
