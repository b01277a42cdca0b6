import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Purchase } from '../../src/payments/entities/purchase.entity';
import { PurchaseChanges } from '../../src/payments/purchase-changes';
import { DisputeStatus, FraudWarningStatus, PurchaseStatus } from '../../src/payments/purchase-status';
import { PurchasesRepository } from '../../src/payments/purchases.repository';
import { createScenario, createUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';
import { waitUntil } from '../support/wait';

type Cast = Awaited<ReturnType<typeof createScenario>>;
type Sql = Pick<EntityManager, 'query'>;

interface Seed {
  status?: PurchaseStatus;
  sessionId?: string | null;
  paymentId?: string | null;
  chargeId?: string | null;
  moderatorId?: string | null;
  createdSecondsAgo?: number;
}

/** An id no purchase has: beyond any identity this test run draws. */
const UNKNOWN_ID = '900000000000000001';


/** A promise and the function that settles it: holds a transaction open until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * The run's database is shared with the e2e suites, which check that every credited purchase has
 * its lot and that no stale purchase waits for reconciliation. So a test writes its purchases in a
 * transaction that is rolled back; only the lock tests, whose rows another session must see,
 * commit theirs (never credited ones) and delete them when they end.
 */
describe(PurchasesRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: PurchasesRepository;
  let cast: Cast;
  const committed: string[] = [];

  beforeAll(async () => {
    sut = new PurchasesRepository(owner.transactions);
    cast = await createScenario(owner.db);
  });

  afterEach(async () => {
    await owner.db.query(`DELETE FROM profile_point_transactions WHERE id = ANY($1::bigint[])`, [committed.splice(0)]);
  });

  const unique = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

  async function seed(sql: Sql, row: Seed = {}, client = cast.client): Promise<string> {
    const [{ id }] = await sql.query<Array<{ id: string }>>(
      `INSERT INTO profile_point_transactions
         (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, currency, status,
          stripe_session_id, stripe_payment_id, stripe_charge_id, credited_at, created_at)
       VALUES ($1, $2, $3, 'starter', 500, 999, 'eur', $4, $5, $6, $7,
               CASE WHEN $4 IN ('completed', 'refunded') THEN now() END, now() - make_interval(secs => $8))
       RETURNING id`,
      [
        client.id,
        cast.profile.id,
        row.moderatorId ?? null,
        row.status ?? PurchaseStatus.Pending,
        row.sessionId ?? null,
        row.paymentId ?? null,
        row.chargeId ?? null,
        row.createdSecondsAgo ?? 0,
      ],
    );
    return id;
  }

  /** A purchase another session can see and lock: committed, not credited, deleted after the test. */
  async function seedCommitted(row: Seed = {}): Promise<string> {
    const id = await seed(owner.db, { status: PurchaseStatus.Failed, ...row });
    committed.push(id);
    return id;
  }

  async function read(sql: Sql, id: string) {
    const [row] = await sql.query<
      Array<{
        status: string;
        credited_at: Date | null;
        stripe_session_id: string | null;
        stripe_payment_id: string | null;
        stripe_charge_id: string | null;
        stripe_amount_paid_cents: string | null;
        stripe_amount_refunded_cents: string;
        refunded_points: string;
        disputed_points: string;
        dispute_id: string | null;
        dispute_status: string | null;
        failure_reason: string | null;
        moderator_id: string | null;
        updated_at: Date;
      }>
    >(`SELECT * FROM profile_point_transactions WHERE id = $1`, [id]);
    return row;
  }

  /**
   * Rows of purchases updated, by PostgreSQL's own count for this session (it may include earlier
   * transactions' not yet reported, so a test compares it with itself within one transaction).
   */
  async function rowsUpdated(sql: Sql): Promise<number> {
    const [{ updated }] = await sql.query<Array<{ updated: number }>>(
      `SELECT coalesce(sum(n_tup_upd), 0)::int AS updated FROM pg_stat_xact_user_tables WHERE relname = 'profile_point_transactions'`,
    );
    return updated;
  }

  describe('checkout', () => {
    it('createPending stores a pending purchase of the order and returns it with its id', async () => {
      await owner.rolledBack(async (sql) => {
        const purchase = await sut.createPending({
          clientId: cast.client.id,
          profileId: cast.profile.id,
          packCode: 'starter',
          pointsAmount: 300,
          amountCents: 1234,
          currency: 'jpy',
        });
        expect(purchase.id).toMatch(/^\d+$/);
        const [row] = await sql.query(
          `SELECT client_id, profile_id, pack_code, points_amount::int, amount_cents::int, currency, status, money_amount::text
             FROM profile_point_transactions WHERE id = $1`,
          [purchase.id],
        );
        expect(row).toEqual({
          client_id: cast.client.id,
          profile_id: cast.profile.id,
          pack_code: 'starter',
          points_amount: 300,
          amount_cents: 1234,
          currency: 'jpy',
          status: 'pending',
          money_amount: '1234',
        });
      });
    });

    it('lockCheckoutsOf makes a second checkout of the same client wait until the first commits, not one of another client', async () => {
      const [client, other] = ['900000000000000011', '900000000000000012'];
      const held = gate();
      const locked = gate();
      const first = owner.transactions.run(async () => {
        await sut.lockCheckoutsOf(client);
        locked.open();
        await held.promise;
      });
      await locked.promise;

      let secondDone = false;
      const second = owner.transactions.run(() => sut.lockCheckoutsOf(client)).then(() => (secondDone = true));
      await waitUntil(async () => {
        const [{ waiting }] = await owner.db.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        return waiting > 0;
      });
      await owner.transactions.run(() => sut.lockCheckoutsOf(other));
      expect(secondDone).toBe(false);

      held.open();
      await first;
      await second;
      expect(secondDone).toBe(true);
    });

    it('recentPending counts the client’s pending purchases younger than the window only, and when the oldest leaves it', async () => {
      const client = await createUser(owner.db);
      await owner.rolledBack(async (sql) => {
        await seed(sql, {}, client);
        await seed(sql, { createdSecondsAgo: 100 }, client);
        await seed(sql, { createdSecondsAgo: 2000 }, client);
        await seed(sql, { status: PurchaseStatus.Completed }, client);
        await seed(sql, { status: PurchaseStatus.Failed }, client);
        await seed(sql, {}, cast.client);

        expect(await sut.recentPending(client.id, 1800)).toEqual({ count: 2, oldestLeavesInSeconds: 1700 });
        expect(await sut.recentPending(client.id, 50)).toEqual({ count: 1, oldestLeavesInSeconds: 50 });
        expect(await sut.recentPending(UNKNOWN_ID, 1800)).toEqual({ count: 0, oldestLeavesInSeconds: 0 });
      });
    });

    it('markCheckoutFailed fails a pending purchase only', async () => {
      await owner.rolledBack(async (sql) => {
        const pending = await seed(sql);
        const expired = await seed(sql, { status: PurchaseStatus.Expired });
        await sut.markCheckoutFailed(pending);
        await sut.markCheckoutFailed(expired);
        expect(await read(sql, pending)).toMatchObject({ status: 'failed', failure_reason: 'checkout_session_not_created' });
        expect(await read(sql, expired)).toMatchObject({ status: 'expired', failure_reason: null });
      });
    });

    it('attachSession stores the session id', async () => {
      await owner.rolledBack(async (sql) => {
        const id = await seed(sql);
        const session = unique('cs');
        await sut.attachSession(id, session);
        expect((await read(sql, id)).stripe_session_id).toBe(session);
      });
    });
  });

  describe('reads', () => {
    it('findBySessionForClient finds the purchase of that session for its own client only', async () => {
      await owner.rolledBack(async (sql) => {
        const session = unique('cs');
        const id = await seed(sql, { sessionId: session });
        expect((await sut.findBySessionForClient(session, cast.client.id))?.id).toBe(id);
        expect(await sut.findBySessionForClient(session, cast.moderator.id)).toBeNull();
        expect(await sut.findBySessionForClient(unique('cs'), cast.client.id)).toBeNull();
      });
    });

    it('get returns the purchase or fails', async () => {
      await owner.rolledBack(async (sql) => {
        const id = await seed(sql, { status: PurchaseStatus.Completed });
        expect(await sut.get(id)).toMatchObject({ id, status: PurchaseStatus.Completed, pointsAmount: 500, amountCents: 999 });
        await expect(sut.get(UNKNOWN_ID)).rejects.toThrow();
      });
    });

    it('page lists newest first, below the cursor, at most `take`, by client and by profile', async () => {
      const { client, profile, moderator } = await createScenario(owner.db);
      await owner.rolledBack(async (sql) => {
        const ids: string[] = [];
        for (const buyer of [client, client, moderator]) {
          const [{ id }] = await sql.query<Array<{ id: string }>>(
            `INSERT INTO profile_point_transactions (client_id, profile_id, pack_code, points_amount, amount_cents, currency, status)
             VALUES ($1, $2, 'starter', 100, 500, 'eur', 'pending') RETURNING id`,
            [buyer.id, profile.id],
          );
          ids.push(id);
        }
        const idsOf = (rows: Purchase[]) => rows.map((row) => row.id);
        expect(idsOf(await sut.page({ profileId: profile.id }, undefined, 10))).toEqual([ids[2], ids[1], ids[0]]);
        expect(idsOf(await sut.page({ profileId: profile.id }, undefined, 2))).toEqual([ids[2], ids[1]]);
        expect(idsOf(await sut.page({ profileId: profile.id }, ids[2], 10))).toEqual([ids[1], ids[0]]);
        expect(idsOf(await sut.page({ clientId: client.id }, undefined, 10))).toEqual([ids[1], ids[0]]);
        expect(idsOf(await sut.page({ profileId: profile.id, clientId: moderator.id }, undefined, 10))).toEqual([ids[2]]);
      });
    });

    it('existsByPayment and exists tell whether such a purchase is stored', async () => {
      await owner.rolledBack(async (sql) => {
        const payment = unique('pi');
        const id = await seed(sql, { paymentId: payment });
        expect(await sut.existsByPayment(payment)).toBe(true);
        expect(await sut.existsByPayment(unique('pi'))).toBe(false);
        expect(await sut.exists(id)).toBe(true);
        expect(await sut.exists(UNKNOWN_ID)).toBe(false);
      });
    });

    it('stalePending lists pending purchases with a session, old enough, in id order after `after`, `limit` at most', async () => {
      const client = await createUser(owner.db);
      await owner.rolledBack(async (sql) => {
        const old = { createdSecondsAgo: 10_000_000 };
        const a = await seed(sql, { ...old, sessionId: unique('cs') }, client);
        await seed(sql, { ...old, sessionId: null }, client);
        await seed(sql, { ...old, sessionId: unique('cs'), status: PurchaseStatus.Expired }, client);
        await seed(sql, { sessionId: unique('cs'), createdSecondsAgo: 10 }, client);
        const b = await seed(sql, { ...old, sessionId: unique('cs') }, client);
        const c = await seed(sql, { ...old, sessionId: unique('cs') }, client);
        const before = String(Number(a) - 1);

        // Another suite's stale purchases may have lower ids, never higher ones: ours are the newest.
        const ids = async (after: string, limit: number) => (await sut.stalePending(9_000_000, after, limit)).map((row) => row.id);
        expect(await ids(before, 100)).toEqual([a, b, c]);
        expect(await ids(a, 100)).toEqual([b, c]);
        expect(await ids(before, 2)).toEqual([a, b]);
      });
    });
  });

  describe('locks', () => {
    it('lockBySessions locks, in id order, the purchases named by session id or by an id-shaped client_reference_id', async () => {
      const [s1, s2] = [unique('cs'), unique('cs')];
      const bySession = await seedCommitted({ sessionId: s1 });
      const byReference = await seedCommitted();
      const unrelated = await seedCommitted({ sessionId: unique('cs') });
      const locked = await owner.transactions.run(async () => {
        const rows = await sut.lockBySessions([
          { id: s2, client_reference_id: byReference },
          { id: s1, client_reference_id: null },
          { id: unique('cs'), client_reference_id: 'not-an-id' },
        ]);
        expect(await owner.lockableElsewhere('profile_point_transactions', bySession)).toBe(false);
        expect(await owner.lockableElsewhere('profile_point_transactions', byReference)).toBe(false);
        expect(await owner.lockableElsewhere('profile_point_transactions', unrelated)).toBe(true);
        return rows;
      });
      expect(locked.map((row) => row.id)).toEqual([bySession, byReference].sort((x, y) => Number(x) - Number(y)));
      expect(await owner.lockableElsewhere('profile_point_transactions', bySession)).toBe(true);
    });

    it('lockByCharge finds by payment intent first, else by charge id, and locks what it finds', async () => {
      const [payment, charge] = [unique('pi'), unique('ch')];
      const byPayment = await seedCommitted({ paymentId: payment, chargeId: unique('ch') });
      const byCharge = await seedCommitted({ paymentId: unique('pi'), chargeId: charge });

      const found = await owner.transactions.run(async () => {
        const row = await sut.lockByCharge(charge, payment);
        expect(await owner.lockableElsewhere('profile_point_transactions', byPayment)).toBe(false);
        expect(await owner.lockableElsewhere('profile_point_transactions', byCharge)).toBe(true);
        return row;
      });
      expect(found?.id).toBe(byPayment);
      expect((await owner.transactions.run(() => sut.lockByCharge(charge, unique('pi'))))?.id).toBe(byCharge);
      expect((await owner.transactions.run(() => sut.lockByCharge(charge, null)))?.id).toBe(byCharge);
      expect(await owner.transactions.run(() => sut.lockByCharge(null, unique('pi')))).toBeNull();
      expect(await owner.transactions.run(() => sut.lockByCharge(null, null))).toBeNull();
    });

    it('lockForRelease locks without waiting: a purchase held elsewhere fails it with lock_not_available', async () => {
      const [free, busy] = [await seedCommitted(), await seedCommitted()];
      await owner.transactions.run(async () => {
        await sut.lockForRelease([free]);
        expect(await owner.lockableElsewhere('profile_point_transactions', free, 'FOR NO KEY UPDATE')).toBe(false);
      });

      const held = gate();
      const locked = gate();
      const holder = owner.db.transaction(async (manager) => {
        await manager.query(`SELECT id FROM profile_point_transactions WHERE id = $1 FOR UPDATE`, [busy]);
        locked.open();
        await held.promise;
      });
      await locked.promise;
      const started = Date.now();
      await expect(owner.transactions.run(() => sut.lockForRelease([free, busy]))).rejects.toMatchObject({ driverError: { code: '55P03' } });
      expect(Date.now() - started).toBeLessThan(2000);
      held.open();
      await holder;
      await expect(owner.transactions.run(() => sut.lockForRelease([]))).resolves.toBeUndefined();
    });
  });

  describe('write (the changes an operation collected)', () => {
    it('writes every change of every purchase in one UPDATE, one rewrite per row', () =>
      owner.rolledBack(async (sql) => {
        const [session1, session2] = [unique('cs'), unique('cs')];
        const creditedAt = new Date('2026-05-06T07:08:09.000Z');
        const first = await seed(sql, { sessionId: session1 });
        const second = await seed(sql, { sessionId: session2 });
        const [a, b] = await sut.lockBySessions([
          { id: session1, client_reference_id: null },
          { id: session2, client_reference_id: null },
        ]);
        const start = await rowsUpdated(sql);
        const changes = new PurchaseChanges();
        changes.set(a, { status: PurchaseStatus.Completed, creditedAt, stripePaymentId: 'pi_first', stripeAmountPaidCents: 999 });
        changes.set(b, { status: PurchaseStatus.Failed, failureReason: 'amount_mismatch', stripeAmountPaidCents: 1 });
        changes.set(a, { moderatorId: cast.moderator.id });
        changes.set(b, { moderatorId: null });
        expect(await rowsUpdated(sql)).toBe(start);

        await sut.write(changes);

        expect((await rowsUpdated(sql)) - start).toBe(2);
        expect(await read(sql, first)).toMatchObject({
          status: 'completed',
          credited_at: creditedAt,
          stripe_session_id: session1,
          stripe_payment_id: 'pi_first',
          stripe_amount_paid_cents: '999',
          moderator_id: cast.moderator.id,
        });
        expect(await read(sql, second)).toMatchObject({
          status: 'failed',
          failure_reason: 'amount_mismatch',
          stripe_session_id: session2,
          stripe_amount_paid_cents: '1',
          moderator_id: null,
        });
      }));

    it('writes every column a decision changes', () =>
      owner.rolledBack(async (sql) => {
        const [charge, payment] = [unique('ch'), unique('pi')];
        const id = await seed(sql, { status: PurchaseStatus.Completed, paymentId: payment });
        const purchase = (await sut.lockByCharge(null, payment))!;
        const changes = new PurchaseChanges();
        changes.set(purchase, {
          status: PurchaseStatus.Refunded,
          stripeChargeId: charge,
          stripeAmountRefundedCents: 300,
          refundedPoints: 151,
          disputedPoints: 349,
          disputeId: 'dp_1',
          disputeStatus: DisputeStatus.Open,
          fraudWarningId: 'issfr_1',
          fraudWarningStatus: FraudWarningStatus.Active,
          fraudWarnedAt: new Date('2026-05-06T07:08:09.000Z'),
          fraudRefundCents: 250,
        });

        await sut.write(changes);

        expect(await read(sql, id)).toMatchObject({
          status: 'refunded',
          stripe_charge_id: charge,
          stripe_amount_refunded_cents: '300',
          refunded_points: '151',
          disputed_points: '349',
          dispute_id: 'dp_1',
          dispute_status: 'open',
        });
        const [fraud] = await sql.query<Array<Record<string, unknown>>>(
          `SELECT fraud_warning_id, fraud_warning_status, fraud_warned_at, fraud_refund_cents FROM profile_point_transactions WHERE id = $1`,
          [id],
        );
        expect(fraud).toEqual({ fraud_warning_id: 'issfr_1', fraud_warning_status: 'active', fraud_warned_at: new Date('2026-05-06T07:08:09.000Z'), fraud_refund_cents: '250' });
      }));

    it('keeps the columns a purchase did not change, and those given as null or undefined', () =>
      owner.rolledBack(async (sql) => {
        const payment = unique('pi');
        const id = await seed(sql, { status: PurchaseStatus.Completed, sessionId: unique('cs'), paymentId: payment, moderatorId: cast.moderator.id });
        const before = await read(sql, id);
        const purchase = (await sut.lockByCharge(null, payment))!;
        const changes = new PurchaseChanges();
        changes.set(purchase, { disputedPoints: 0, stripeChargeId: 'ch_kept' });
        changes.set(purchase, { moderatorId: null, stripePaymentId: undefined });

        await sut.write(changes);

        expect(await read(sql, id)).toEqual({ ...before, disputed_points: '0', stripe_charge_id: 'ch_kept' });
      }));

    it('clears the failure of a purchase that completes after failing (a session paid late)', () =>
      owner.rolledBack(async (sql) => {
        const session = unique('cs');
        const id = await seed(sql, { sessionId: session, status: PurchaseStatus.Failed });
        await sql.query(`UPDATE profile_point_transactions SET failure_reason = 'checkout_session_not_created' WHERE id = $1`, [id]);
        const [purchase] = await sut.lockBySessions([{ id: session, client_reference_id: null }]);
        const changes = new PurchaseChanges();
        changes.set(purchase, { status: PurchaseStatus.Completed, creditedAt: new Date() });

        await sut.write(changes);

        expect(await read(sql, id)).toMatchObject({ status: 'completed', failure_reason: null });
        expect(purchase.failureReason).toBeNull();
      }));

    it('merges what is collected for one purchase, the latest value of a column winning', () =>
      owner.rolledBack(async (sql) => {
        const session = unique('cs');
        const id = await seed(sql, { sessionId: session });
        const [purchase] = await sut.lockBySessions([{ id: session, client_reference_id: null }]);
        const changes = new PurchaseChanges();
        changes.set(purchase, { stripeSessionId: 'cs_first', status: PurchaseStatus.Failed, failureReason: 'expired' });
        changes.set(purchase, { stripeSessionId: 'cs_second', moderatorId: cast.moderator.id });

        await sut.write(changes);

        expect(await read(sql, id)).toMatchObject({ stripe_session_id: 'cs_second', status: 'failed', failure_reason: 'expired', moderator_id: cast.moderator.id });
      }));

    it('applies the changes to the loaded row at once, where a later fact of the operation reads them; null changes nothing', () =>
      owner.rolledBack(async (sql) => {
        const session = unique('cs');
        const id = await seed(sql, { sessionId: session, paymentId: 'pi_stored' });
        const [purchase] = await sut.lockBySessions([{ id: session, client_reference_id: null }]);
        const changes = new PurchaseChanges();
        changes.set(purchase, { status: PurchaseStatus.Expired, moderatorId: null });
        expect(purchase).toMatchObject({ id, status: PurchaseStatus.Expired, stripePaymentId: 'pi_stored', moderatorId: null });
        changes.set(purchase, { stripePaymentId: undefined, refundedPoints: 0 });
        expect(purchase).toMatchObject({ status: PurchaseStatus.Expired, stripePaymentId: 'pi_stored', refundedPoints: 0 });
      }));

    it('writes nothing for no change', () =>
      owner.rolledBack(async (sql) => {
        const start = await rowsUpdated(sql);
        await sut.write(new PurchaseChanges());
        expect(await rowsUpdated(sql)).toBe(start);
      }));
  });

  describe('recordModerator', () => {
    it('records the moderator on the purchases named, and only on them', () =>
      owner.rolledBack(async (sql) => {
        const [released, other] = [await seed(sql), await seed(sql)];
        await sut.lockForRelease([released]);

        await sut.recordModerator([released], cast.moderator.id);

        expect((await read(sql, released)).moderator_id).toBe(cast.moderator.id);
        expect((await read(sql, other)).moderator_id).toBeNull();
      }));
  });
});
