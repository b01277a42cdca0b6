import { randomUUID } from 'node:crypto';
import { PointTransaction } from '../../src/payments/entities/point-transaction.entity';
import { DisputeStatus, TransactionStatus } from '../../src/payments/purchase-status';
import { PurchasesRepository } from '../../src/payments/purchases.repository';
import { createScenario, createUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';
import { waitUntil } from '../support/wait';

type Cast = Awaited<ReturnType<typeof createScenario>>;

interface Seed {
  status?: TransactionStatus;
  sessionId?: string | null;
  paymentId?: string | null;
  chargeId?: string | null;
  moderatorId?: string | null;
  createdSecondsAgo?: number;
}

/** A promise and the function that settles it: holds a transaction open until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe(PurchasesRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: PurchasesRepository;
  let cast: Cast;

  beforeAll(async () => {
    sut = new PurchasesRepository(owner.transactions);
    cast = await createScenario(owner.db);
  });

  const unique = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

  async function seed(row: Seed = {}, client = cast.client): Promise<string> {
    const [{ id }] = await owner.db.query<Array<{ id: string }>>(
      `INSERT INTO profile_point_transactions
         (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, currency, status,
          stripe_session_id, stripe_payment_id, stripe_charge_id, credited_at, created_at)
       VALUES ($1, $2, $3, 'starter', 500, 999, 'eur', $4, $5, $6, $7,
               CASE WHEN $4 = 'completed' THEN now() END, now() - make_interval(secs => $8))
       RETURNING id`,
      [
        client.id,
        cast.profile.id,
        row.moderatorId ?? null,
        row.status ?? TransactionStatus.Pending,
        row.sessionId ?? null,
        row.paymentId ?? null,
        row.chargeId ?? null,
        row.createdSecondsAgo ?? 0,
      ],
    );
    return id;
  }

  async function read(id: string) {
    const [row] = await owner.db.query<
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

  /** Whether another connection can lock the row right now (NOWAIT): false while a transaction of the test holds it. */
  async function lockableElsewhere(id: string, mode = 'FOR UPDATE'): Promise<boolean> {
    try {
      await owner.db.transaction((manager) => manager.query(`SELECT id FROM profile_point_transactions WHERE id = $1 ${mode} NOWAIT`, [id]));
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') return false;
      throw error;
    }
  }

  /** Runs `work` in a transaction of the repository's runner, then `whileOpen` before that transaction commits. */
  async function inTransaction<T>(work: () => Promise<T>, whileOpen: (value: T) => Promise<void>): Promise<T> {
    return owner.transactions.run(async () => {
      const value = await work();
      await whileOpen(value);
      return value;
    });
  }

  describe('checkout', () => {
    it('createPending stores a pending purchase of the order and returns it with its id', async () => {
      const purchase = await sut.createPending({
        clientId: cast.client.id,
        profileId: cast.profile.id,
        packCode: 'starter',
        pointsAmount: 300,
        amountCents: 1234,
        currency: 'jpy',
      });
      expect(purchase.id).toMatch(/^\d+$/);
      const [row] = await owner.db.query(
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

    it('lockCheckoutsOf makes a second checkout of the same client wait until the first commits, not one of another client', async () => {
      const client = await createUser(owner.db);
      const other = await createUser(owner.db);
      const held = gate();
      const locked = gate();
      const first = owner.transactions.run(async () => {
        await sut.lockCheckoutsOf(client.id);
        locked.open();
        await held.promise;
      });
      await locked.promise;

      let secondDone = false;
      const second = owner.transactions.run(() => sut.lockCheckoutsOf(client.id)).then(() => (secondDone = true));
      await waitUntil(async () => {
        const [{ waiting }] = await owner.db.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        return waiting > 0;
      });
      await owner.transactions.run(() => sut.lockCheckoutsOf(other.id));
      expect(secondDone).toBe(false);

      held.open();
      await first;
      await second;
      expect(secondDone).toBe(true);
    });

    it('countRecentPending counts the client’s pending purchases younger than the window only', async () => {
      const client = await createUser(owner.db);
      await seed({}, client);
      await seed({ createdSecondsAgo: 100 }, client);
      await seed({ createdSecondsAgo: 2000 }, client);
      await seed({ status: TransactionStatus.Completed }, client);
      await seed({ status: TransactionStatus.Failed }, client);
      await seed({}, cast.client);

      expect(await sut.countRecentPending(client.id, 1800)).toBe(2);
      expect(await sut.countRecentPending(client.id, 50)).toBe(1);
      expect(await sut.countRecentPending((await createUser(owner.db)).id, 1800)).toBe(0);
    });

    it('markCheckoutFailed fails a pending purchase only', async () => {
      const pending = await seed();
      const completed = await seed({ status: TransactionStatus.Completed });
      await sut.markCheckoutFailed(pending);
      await sut.markCheckoutFailed(completed);
      expect(await read(pending)).toMatchObject({ status: 'failed', failure_reason: 'checkout_session_not_created' });
      expect(await read(completed)).toMatchObject({ status: 'completed', failure_reason: null });
    });

    it('attachSession stores the session id', async () => {
      const id = await seed();
      const session = unique('cs');
      await sut.attachSession(id, session);
      expect((await read(id)).stripe_session_id).toBe(session);
    });
  });

  describe('reads', () => {
    it('findBySessionForClient finds the purchase of that session for its own client only', async () => {
      const session = unique('cs');
      const id = await seed({ sessionId: session });
      expect((await sut.findBySessionForClient(session, cast.client.id))?.id).toBe(id);
      expect(await sut.findBySessionForClient(session, cast.moderator.id)).toBeNull();
      expect(await sut.findBySessionForClient(unique('cs'), cast.client.id)).toBeNull();
    });

    it('get returns the purchase or fails', async () => {
      const id = await seed({ status: TransactionStatus.Completed });
      expect(await sut.get(id)).toMatchObject({ id, status: TransactionStatus.Completed, pointsAmount: 500, amountCents: 999 });
      await expect(sut.get('999999999999')).rejects.toThrow();
    });

    it('page lists newest first, below the cursor, at most `take`, by client and by profile', async () => {
      const { client, profile, moderator } = await createScenario(owner.db);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const [{ id }] = await owner.db.query<Array<{ id: string }>>(
          `INSERT INTO profile_point_transactions (client_id, profile_id, pack_code, points_amount, amount_cents, currency, status)
           VALUES ($1, $2, 'starter', 100, 500, 'eur', 'pending') RETURNING id`,
          [i === 2 ? moderator.id : client.id, profile.id],
        );
        ids.push(id);
      }
      const idsOf = (rows: PointTransaction[]) => rows.map((row) => row.id);
      expect(idsOf(await sut.page({ profileId: profile.id }, undefined, 10))).toEqual([ids[2], ids[1], ids[0]]);
      expect(idsOf(await sut.page({ profileId: profile.id }, undefined, 2))).toEqual([ids[2], ids[1]]);
      expect(idsOf(await sut.page({ profileId: profile.id }, ids[2], 10))).toEqual([ids[1], ids[0]]);
      expect(idsOf(await sut.page({ clientId: client.id }, undefined, 10))).toEqual([ids[1], ids[0]]);
      expect(idsOf(await sut.page({ profileId: profile.id, clientId: moderator.id }, undefined, 10))).toEqual([ids[2]]);
    });

    it('existsByPayment and exists tell whether such a purchase is stored', async () => {
      const payment = unique('pi');
      const id = await seed({ paymentId: payment });
      expect(await sut.existsByPayment(payment)).toBe(true);
      expect(await sut.existsByPayment(unique('pi'))).toBe(false);
      expect(await sut.exists(id)).toBe(true);
      expect(await sut.exists('999999999999')).toBe(false);
    });

    it('stalePending lists pending purchases with a session, old enough, in id order after `after`, `limit` at most', async () => {
      const client = await createUser(owner.db);
      const old = { sessionId: null, createdSecondsAgo: 10_000_000 };
      const a = await seed({ ...old, sessionId: unique('cs') }, client);
      await seed(old, client);
      await seed({ ...old, sessionId: unique('cs'), status: TransactionStatus.Expired }, client);
      await seed({ sessionId: unique('cs'), createdSecondsAgo: 10 }, client);
      const b = await seed({ ...old, sessionId: unique('cs') }, client);
      const c = await seed({ ...old, sessionId: unique('cs') }, client);

      // Other suites' pending purchases may be stale too: only this client's count here.
      const mine = async (after: string, limit: number) =>
        (await sut.stalePending(9_000_000, after, limit)).filter((row) => row.clientId === client.id).map((row) => row.id);
      expect(await mine(String(Number(a) - 1), 100)).toEqual([a, b, c]);
      expect(await mine(a, 100)).toEqual([b, c]);
      const limited = await sut.stalePending(9_000_000, String(Number(a) - 1), 2);
      expect(limited.map((row) => row.id)).toEqual([a, b]);
    });
  });

  describe('locks', () => {
    it('lockBySessions locks, in id order, the purchases named by session id or by an id-shaped client_reference_id', async () => {
      const [s1, s2] = [unique('cs'), unique('cs')];
      const bySession = await seed({ sessionId: s1 });
      const byReference = await seed();
      const unrelated = await seed({ sessionId: unique('cs') });
      const locked = await inTransaction(
        () =>
          sut.lockBySessions([
            { id: s2, client_reference_id: byReference },
            { id: s1, client_reference_id: null },
            { id: unique('cs'), client_reference_id: 'not-an-id' },
          ]),
        async () => {
          expect(await lockableElsewhere(bySession)).toBe(false);
          expect(await lockableElsewhere(byReference)).toBe(false);
          expect(await lockableElsewhere(unrelated)).toBe(true);
        },
      );
      expect(locked.map((row) => row.id)).toEqual([bySession, byReference].sort((x, y) => Number(x) - Number(y)));
      expect(await lockableElsewhere(bySession)).toBe(true);
    });

    it('lockByCharge finds by payment intent first, else by charge id, and locks what it finds', async () => {
      const [payment, charge] = [unique('pi'), unique('ch')];
      const byPayment = await seed({ status: TransactionStatus.Completed, paymentId: payment, chargeId: unique('ch') });
      const byCharge = await seed({ status: TransactionStatus.Completed, paymentId: unique('pi'), chargeId: charge });

      const found = await inTransaction(
        () => sut.lockByCharge(charge, payment),
        async () => {
          expect(await lockableElsewhere(byPayment)).toBe(false);
          expect(await lockableElsewhere(byCharge)).toBe(true);
        },
      );
      expect(found?.id).toBe(byPayment);
      expect((await owner.transactions.run(() => sut.lockByCharge(charge, unique('pi'))))?.id).toBe(byCharge);
      expect((await owner.transactions.run(() => sut.lockByCharge(charge, null)))?.id).toBe(byCharge);
      expect(await owner.transactions.run(() => sut.lockByCharge(null, unique('pi')))).toBeNull();
      expect(await owner.transactions.run(() => sut.lockByCharge(null, null))).toBeNull();
    });

    it('lockForRelease locks without waiting: a purchase held elsewhere fails it with lock_not_available', async () => {
      const [free, busy] = [await seed({ status: TransactionStatus.Completed }), await seed({ status: TransactionStatus.Completed })];
      await inTransaction(
        () => sut.lockForRelease([free]),
        async () => expect(await lockableElsewhere(free, 'FOR NO KEY UPDATE')).toBe(false),
      );

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

  describe('staged writes', () => {
    /**
     * Rows of purchases updated, by PostgreSQL's own count for this backend (it may include earlier
     * transactions' not yet reported, so the tests compare it with itself within one transaction).
     */
    async function rowsUpdatedInTransaction(): Promise<number> {
      const [{ updated }] = await owner.transactions.manager.query<Array<{ updated: number }>>(
        `SELECT coalesce(sum(n_tup_upd), 0)::int AS updated FROM pg_stat_xact_user_tables WHERE relname = 'profile_point_transactions'`,
      );
      return updated;
    }

    /** Stages in a transaction of its own, which then commits. */
    const staging = (work: () => void) =>
      owner.transactions.run(() => {
        work();
        return Promise.resolve();
      });

    it('writes every change of every purchase of the transaction in one UPDATE at commit, one rewrite per row', async () => {
      const [session1, session2] = [unique('cs'), unique('cs')];
      const first = await seed({ sessionId: session1 });
      const second = await seed({ sessionId: session2 });
      const creditedAt = new Date('2026-05-06T07:08:09.000Z');
      const observed: { beforeCommit?: number; atCommit?: number; statusSeenElsewhere?: string } = {};

      await owner.transactions.run(async () => {
        const start = await rowsUpdatedInTransaction();
        const [a, b] = await sut.lockBySessions([
          { id: session1, client_reference_id: null },
          { id: session2, client_reference_id: null },
        ]);
        sut.stage(a, { status: TransactionStatus.Completed, creditedAt, stripePaymentId: 'pi_first', stripeAmountPaidCents: 999 });
        sut.stage(b, { status: TransactionStatus.Failed, failureReason: 'amount_mismatch', stripeAmountPaidCents: 1 });
        sut.stageColumns(first, { moderatorId: cast.moderator.id });
        sut.stageColumns(second, { moderatorId: null });
        observed.beforeCommit = (await rowsUpdatedInTransaction()) - start;
        observed.statusSeenElsewhere = (await read(first)).status;
        // The outbox step runs right after the purchases' writes, still inside the transaction.
        owner.transactions.deferUntilCommit('outbox', () => null, async () => void (observed.atCommit = (await rowsUpdatedInTransaction()) - start));
      });

      expect(observed).toEqual({ beforeCommit: 0, atCommit: 2, statusSeenElsewhere: 'pending' });
      expect(await read(first)).toMatchObject({
        status: 'completed',
        credited_at: creditedAt,
        stripe_session_id: session1,
        stripe_payment_id: 'pi_first',
        stripe_amount_paid_cents: '999',
        moderator_id: cast.moderator.id,
      });
      expect(await read(second)).toMatchObject({
        status: 'failed',
        failure_reason: 'amount_mismatch',
        stripe_session_id: session2,
        stripe_amount_paid_cents: '1',
        moderator_id: null,
      });
    });

    it('writes every column a decision changes', async () => {
      const id = await seed({ status: TransactionStatus.Completed, paymentId: unique('pi') });
      const charge = unique('ch');
      const before = await read(id);
      await owner.transactions.run(async () => {
        const purchase = (await sut.lockByCharge(null, before.stripe_payment_id))!;
        sut.stage(purchase, {
          status: TransactionStatus.Refunded,
          stripeChargeId: charge,
          stripeAmountRefundedCents: 300,
          refundedPoints: 151,
          disputedPoints: 349,
          disputeId: 'dp_1',
          disputeStatus: DisputeStatus.Open,
        });
      });
      const after = await read(id);
      expect(after).toMatchObject({
        status: 'refunded',
        stripe_charge_id: charge,
        stripe_amount_refunded_cents: '300',
        refunded_points: '151',
        disputed_points: '349',
        dispute_id: 'dp_1',
        dispute_status: 'open',
      });
      expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    });

    it('keeps the columns a purchase did not change, and those staged as null', async () => {
      const session = unique('cs');
      const payment = unique('pi');
      const id = await seed({ status: TransactionStatus.Completed, sessionId: session, paymentId: payment, moderatorId: cast.moderator.id });
      const before = await read(id);
      await staging(() => {
        sut.stageColumns(id, { disputedPoints: 0, stripeChargeId: 'ch_kept' });
        sut.stageColumns(id, { moderatorId: null, stripePaymentId: undefined });
      });
      expect(await read(id)).toEqual({ ...before, disputed_points: '0', stripe_charge_id: 'ch_kept', updated_at: expect.any(Date) });
    });

    it('merges what is staged for one purchase, the latest value of a column winning', async () => {
      const id = await seed();
      await staging(() => {
        sut.stageColumns(id, { stripeSessionId: 'cs_first', status: TransactionStatus.Completed, creditedAt: new Date() });
        sut.stageColumns(id, { stripeSessionId: 'cs_second', moderatorId: cast.moderator.id });
      });
      expect(await read(id)).toMatchObject({ stripe_session_id: 'cs_second', status: 'completed', moderator_id: cast.moderator.id });
    });

    it('writes nothing when the transaction rolls back', async () => {
      const id = await seed();
      const before = await read(id);
      await expect(
        owner.transactions.run(() => {
          sut.stageColumns(id, { status: TransactionStatus.Expired, stripeSessionId: unique('cs') });
          return Promise.reject(new Error('refused'));
        }),
      ).rejects.toThrow('refused');
      expect(await read(id)).toEqual(before);
    });

    it('keeps the staged changes on the loaded row, where a later fact of the transaction reads them; null changes nothing', async () => {
      const session = unique('cs');
      const id = await seed({ sessionId: session, paymentId: 'pi_stored' });
      await owner.transactions.run(async () => {
        const [purchase] = await sut.lockBySessions([{ id: session, client_reference_id: null }]);
        sut.stage(purchase, { status: TransactionStatus.Expired, moderatorId: null });
        expect(purchase).toMatchObject({ id, status: TransactionStatus.Expired, stripePaymentId: 'pi_stored', moderatorId: null });
        sut.stage(purchase, { stripePaymentId: undefined, refundedPoints: 0 });
        expect(purchase).toMatchObject({ status: TransactionStatus.Expired, stripePaymentId: 'pi_stored', refundedPoints: 0 });
      });
      expect(await read(id)).toMatchObject({ status: 'expired', stripe_payment_id: 'pi_stored' });
    });

    it('needs an open transaction', async () => {
      const id = await seed();
      expect(() => sut.stageColumns(id, { status: TransactionStatus.Failed })).toThrow('needs an open transaction');
      expect((await read(id)).status).toBe('pending');
    });
  });
});
