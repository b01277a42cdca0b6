import { randomUUID } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import Stripe from 'stripe';
import { EventBus } from '../../src/events/event-bus';
import { PointsCreditedBatchEvent, TransactionEvents } from '../../src/events/event-map';
import { OutboxRelay } from '../../src/events/outbox-relay';
import { NewOutboxEvent, OutboxRepository } from '../../src/events/outbox.repository';
import { RecordModeratorWhenPointsCredited } from '../../src/payments/listeners/record-moderator-when-points-credited';
import { PaymentOutcomes } from '../../src/payments/outcomes/payment-outcomes.service';
import { PaymentsErrorCode } from '../../src/payments/payments.errors';
import { PurchasesRepository } from '../../src/payments/purchases.repository';
import { createScenario } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

type Cast = Awaited<ReturnType<typeof createScenario>>;

/**
 * PaymentOutcomes with its repository on the run's database: lock, decide, stage, effects. The
 * event bus is the real one; the outbox store only records what would be published (the outbox is
 * another module's, and its rows would reach other suites' relays), and no points listener runs:
 * `payments.captured` is answered with `points.credited` as the points module does.
 */
describe(PaymentOutcomes.name, () => {
  const owner = useOwnerDatabase();
  let sut: PaymentOutcomes;
  let cast: Cast;
  let emitted: Array<{ name: keyof TransactionEvents; payload: unknown }>;
  let published: NewOutboxEvent[];

  const rowsUpdated = async () => {
    const [{ updated }] = await owner.transactions.manager.query<Array<{ updated: number }>>(
      `SELECT coalesce(sum(n_tup_upd), 0)::int AS updated FROM pg_stat_xact_user_tables WHERE relname = 'profile_point_transactions'`,
    );
    return updated;
  };

  beforeAll(async () => {
    cast = await createScenario(owner.db);
    const purchases = new PurchasesRepository(owner.transactions);
    const emitter = new EventEmitter2();
    const outbox = {
      store: (events: NewOutboxEvent[]) => {
        published.push(...events);
        return Promise.resolve();
      },
    } as unknown as OutboxRepository;
    const relay = { wake: () => undefined } as unknown as OutboxRelay;
    const bus = new EventBus(emitter, owner.transactions, relay, outbox);
    sut = new PaymentOutcomes(purchases, bus);

    const moderators = new RecordModeratorWhenPointsCredited(purchases);
    for (const name of ['payments.captured', 'payment.reversed', 'payment.restored', 'points.credited'] as const) {
      emitter.on(name, (payload: unknown) => void emitted.push({ name, payload }));
    }
    emitter.on('points.credited', (event: PointsCreditedBatchEvent) => moderators.handle(event));
    const creditPoints = (event: TransactionEvents['payments.captured']): Promise<void> =>
      bus.emitInTransaction('points.credited', {
        credits: event.payments.map((payment) => ({ transactionId: payment.transactionId, interactionId: '1', moderatorId: cast.moderator.id, points: payment.points })),
      });
    // emitAsync awaits the promise a listener returns, as it does for the points module's listener.
    emitter.on('payments.captured', creditPoints as (event: TransactionEvents['payments.captured']) => void);
  });

  beforeEach(() => {
    emitted = [];
    published = [];
  });

  const unique = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

  async function seedPending(sessionId: string | null = unique('cs')): Promise<{ id: string; sessionId: string | null }> {
    const [{ id }] = await owner.db.query<Array<{ id: string }>>(
      `INSERT INTO profile_point_transactions (client_id, profile_id, pack_code, points_amount, amount_cents, currency, status, stripe_session_id)
       VALUES ($1, $2, 'starter', 500, 999, 'eur', 'pending', $3) RETURNING id`,
      [cast.client.id, cast.profile.id, sessionId],
    );
    return { id, sessionId };
  }

  const session = (id: string, fields: Partial<Stripe.Checkout.Session> = {}) =>
    ({ id, client_reference_id: null, payment_intent: unique('pi'), payment_status: 'paid', amount_total: 999, currency: 'eur', ...fields }) as Stripe.Checkout.Session;

  async function read(id: string) {
    const [row] = await owner.db.query<Array<Record<string, unknown>>>(
      `SELECT status, failure_reason, moderator_id, stripe_session_id, stripe_payment_id, credited_at IS NOT NULL AS credited,
              refunded_points::int, stripe_amount_refunded_cents::int
         FROM profile_point_transactions WHERE id = $1`,
      [id],
    );
    return row;
  }

  /**
   * Runs `work` in a transaction and tells how many purchase rows it rewrote, counted by PostgreSQL in
   * its last before-commit step (no moderator balance is written here), after the purchases' writes.
   */
  async function inTransaction<T>(work: () => Promise<T>): Promise<{ result: T; rewrites: number }> {
    let rewrites = -1;
    const result = await owner.transactions.run(async () => {
      const start = await rowsUpdated();
      owner.transactions.deferUntilCommit('users.points', () => null, async () => void (rewrites = (await rowsUpdated()) - start));
      return work();
    });
    return { result, rewrites };
  }

  it('decides a batch in order: a later fact sees what an earlier one decided, before anything is written', async () => {
    const purchase = await seedPending();
    const { result } = await inTransaction(() =>
      sut.applySessions([
        { trigger: 'checkout.session.expired', session: session(purchase.sessionId!, { payment_intent: null, payment_status: 'unpaid' }) },
        { trigger: 'checkout.session.completed', session: session(purchase.sessionId!) },
      ]),
    );
    expect(result).toEqual([
      { outcome: 'expired', transactionId: purchase.id },
      { outcome: 'already_final', transactionId: purchase.id },
    ]);
    expect(await read(purchase.id)).toMatchObject({ status: 'expired', credited: false, stripe_payment_id: null });
    expect(emitted).toEqual([]);
    expect(published).toEqual([]);
  });

  it('credits, fails and ignores in one batch; each purchase, its moderator included, is rewritten once at commit', async () => {
    const [paid, failed, byReference] = [await seedPending(), await seedPending(), await seedPending(null)];
    const referenceSession = unique('cs');
    const { result, rewrites } = await inTransaction(() =>
      sut.applySessions([
        { trigger: 'checkout.session.completed', session: session(paid.sessionId!) },
        { trigger: 'checkout.session.async_payment_failed', session: session(failed.sessionId!, { payment_status: 'unpaid' }) },
        { trigger: 'checkout.session.completed', session: session(unique('cs')) },
        { trigger: 'checkout.session.async_payment_succeeded', session: session(referenceSession, { client_reference_id: byReference.id }) },
      ]),
    );

    expect(result).toEqual([
      { outcome: 'credited', transactionId: paid.id },
      { outcome: 'failed', transactionId: failed.id },
      { outcome: 'unknown_transaction', transactionId: null },
      { outcome: 'credited', transactionId: byReference.id },
    ]);
    expect(rewrites).toBe(3);
    expect(await read(paid.id)).toMatchObject({ status: 'completed', credited: true, moderator_id: cast.moderator.id });
    expect(await read(byReference.id)).toMatchObject({ status: 'completed', credited: true, stripe_session_id: referenceSession, moderator_id: cast.moderator.id });
    expect(await read(failed.id)).toMatchObject({ status: 'failed', failure_reason: 'async_payment_failed', moderator_id: null });

    expect(emitted.map((event) => event.name)).toEqual(['payments.captured', 'points.credited']);
    expect((emitted[0].payload as TransactionEvents['payments.captured']).payments.map((payment) => payment.transactionId)).toEqual([paid.id, byReference.id]);
    expect(published.map((event) => [event.type, event.payload.transactionId])).toEqual([
      ['payment.failed', failed.id],
      ['purchase.completed', paid.id],
      ['purchase.completed', byReference.id],
    ]);
  });

  it('refuses a refund of a purchase not credited yet, changing nothing', async () => {
    const purchase = await seedPending();
    const payment = unique('pi');
    await owner.db.query(`UPDATE profile_point_transactions SET stripe_payment_id = $2 WHERE id = $1`, [purchase.id, payment]);
    const before = await read(purchase.id);

    await expect(
      inTransaction(() => sut.applyRefund({ id: unique('ch'), payment_intent: payment, amount_refunded: 999 } as Stripe.Charge)),
    ).rejects.toMatchObject({ code: PaymentsErrorCode.PurchaseNotYetCredited });
    expect(await read(purchase.id)).toEqual(before);
    expect(emitted).toEqual([]);
  });

  it('reverses a partial refund and writes the purchase once at commit', async () => {
    const purchase = await seedPending();
    const payment = unique('pi');
    await inTransaction(() => sut.applySession('checkout.session.completed', session(purchase.sessionId!, { payment_intent: payment })));
    emitted = [];

    const charge = unique('ch');
    const { result, rewrites } = await inTransaction(() => sut.applyRefund({ id: charge, payment_intent: payment, amount_refunded: 300 } as Stripe.Charge));

    expect(result).toEqual({ outcome: 'partially_refunded', transactionId: purchase.id });
    expect(emitted).toEqual([
      {
        name: 'payment.reversed',
        payload: {
          transactionId: purchase.id,
          clientId: cast.client.id,
          profileId: cast.profile.id,
          moderatorId: cast.moderator.id,
          points: 151,
          reason: 'refund',
          reversalKey: `refund:${purchase.id}:300`,
          occurredAt: expect.any(String),
        },
      },
    ]);
    expect(rewrites).toBe(1);
    expect(await read(purchase.id)).toMatchObject({ status: 'completed', refunded_points: 151, stripe_amount_refunded_cents: 300 });
    expect(await inTransaction(() => sut.applyRefund({ id: charge, payment_intent: payment, amount_refunded: 300 } as Stripe.Charge))).toMatchObject({
      result: { outcome: 'already_applied' },
    });
  });

  it('names no purchase for a charge it does not know', async () => {
    const { result } = await inTransaction(() => sut.applyDispute({ id: unique('dp'), charge: unique('ch'), payment_intent: null } as Stripe.Dispute, 'created'));
    expect(result).toEqual({ outcome: 'unknown_transaction', transactionId: null });
  });
});
