import { randomUUID } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import Stripe from 'stripe';
import { Env } from '../../src/config/env.schema';
import { EventBus } from '../../src/events/event-bus';
import { TransactionEvents } from '../../src/events/event-map';
import { OutboxRelay } from '../../src/events/outbox-relay';
import { NewOutboxEvent, OutboxRepository } from '../../src/events/outbox.repository';
import { PaymentOutcomes } from '../../src/payments/outcomes/payment-outcomes.service';
import { PaymentsErrorCode } from '../../src/payments/payments.errors';
import { PurchasesRepository } from '../../src/payments/purchases.repository';
import { InteractionsRepository } from '../../src/interactions/interactions.repository';
import { InteractionsService } from '../../src/interactions/interactions.service';
import { FreezesService } from '../../src/points/freezes.service';
import { LotsRepository } from '../../src/points/lots/lots.repository';
import { LotsService } from '../../src/points/lots/lots.service';
import { PurchasePoints, PurchaseRestore, PurchaseReversal } from '../../src/points/purchase-points.port';
import { CapturedPayment } from '../../src/events/event-map';
import { createScenario } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

type Cast = Awaited<ReturnType<typeof createScenario>>;


/**
 * PaymentOutcomes with its repository on the run's database: lock, decide, collect, effects, one
 * write. The event bus and the outbox are the real ones (what would be published is read back from
 * the outbox before the transaction rolls back). The points module's side is a recorder of the
 * calls payments makes to it, answering as the points module does (the e2e suites run the real one).
 */
describe(PaymentOutcomes.name, () => {
  const owner = useOwnerDatabase();
  let sut: PaymentOutcomes;
  let cast: Cast;
  let emitted: Array<{ name: keyof TransactionEvents; payload: unknown }>;
  let called: Array<{ name: 'credit' | 'reverse' | 'restore'; payload: unknown }>;
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
    // The real outbox: its rows are written in the test's transaction and rolled back with it, so
    // no relay ever sees them (the NOTIFY is transactional too); this relay is never started.
    const outbox = new OutboxRepository(owner.transactions, owner.db);
    const relay = new OutboxRelay(outbox, emitter, Object.assign(new Env(), { OUTBOX_RELAY_ENABLED: false }));
    const bus = new EventBus(emitter, owner.transactions, relay, outbox);
    const interactions = new InteractionsService(new InteractionsRepository(owner.transactions));
    const lots = new LotsService(new LotsRepository(owner.transactions));
    const freezes = new FreezesService(interactions, lots, bus);
    const points = {
      credit: (payments: CapturedPayment[]) => {
        called.push({ name: 'credit', payload: payments });
        return Promise.resolve(payments.map((payment) => ({ transactionId: payment.transactionId, interactionId: '1', moderatorId: cast.moderator.id })));
      },
      reverse: (reversal: PurchaseReversal) => Promise.resolve(void called.push({ name: 'reverse', payload: reversal })),
      restore: (restore: PurchaseRestore) => {
        called.push({ name: 'restore', payload: restore });
        return Promise.resolve({ newModeratorId: null });
      },
    } as unknown as PurchasePoints;
    sut = new PaymentOutcomes(purchases, bus, freezes, points, Object.assign(new Env(), { EFW_AUTO_REFUND: false }));
    emitter.on('payments.captured', (payload: unknown) => void emitted.push({ name: 'payments.captured', payload }));
  });

  beforeEach(() => {
    emitted = [];
    called = [];
    published = [];
  });

  const unique = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

  /** In the transaction in progress (the test's own, rolled back at its end). */
  async function seedPending(sessionId: string | null = unique('cs'), paymentId: string | null = null): Promise<{ id: string; sessionId: string | null }> {
    const [{ id }] = await owner.transactions.manager.query<Array<{ id: string }>>(
      `INSERT INTO profile_point_transactions
         (client_id, profile_id, pack_code, points_amount, amount_cents, currency, status, stripe_session_id, stripe_payment_id)
       VALUES ($1, $2, 'starter', 500, 999, 'eur', 'pending', $3, $4) RETURNING id`,
      [cast.client.id, cast.profile.id, sessionId, paymentId],
    );
    return { id, sessionId };
  }

  /** A purchase credited earlier and attributed to the cast's moderator, paid through `payment`. */
  async function seedCredited(payment: string): Promise<string> {
    const [{ id }] = await owner.transactions.manager.query<Array<{ id: string }>>(
      `INSERT INTO profile_point_transactions
         (client_id, profile_id, moderator_id, pack_code, points_amount, amount_cents, currency, status, credited_at,
          stripe_session_id, stripe_payment_id, stripe_amount_paid_cents)
       VALUES ($1, $2, $3, 'starter', 500, 999, 'eur', 'completed', now(), $4, $5, 999) RETURNING id`,
      [cast.client.id, cast.profile.id, cast.moderator.id, unique('cs'), payment],
    );
    return id;
  }

  const session = (id: string, fields: Partial<Stripe.Checkout.Session> = {}) =>
    ({ id, client_reference_id: null, payment_intent: unique('pi'), payment_status: 'paid', amount_total: 999, currency: 'eur', ...fields }) as Stripe.Checkout.Session;

  interface Row {
    status: string;
    failure_reason: string | null;
    moderator_id: string | null;
    stripe_session_id: string | null;
    stripe_payment_id: string | null;
    credited: boolean;
    refunded_points: number;
    stripe_amount_refunded_cents: number;
  }

  async function readAll(ids: string[]): Promise<Map<string, Row>> {
    const rows = await owner.transactions.manager.query<Array<Row & { id: string }>>(
      `SELECT id, status, failure_reason, moderator_id, stripe_session_id, stripe_payment_id, credited_at IS NOT NULL AS credited,
              refunded_points::int, stripe_amount_refunded_cents::int
         FROM profile_point_transactions WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map(({ id, ...row }) => [id, row]));
  }

  /**
   * Runs `work` in a transaction through its before-commit steps, then rolls it back (the run's
   * database is shared with the e2e suites, which check every credited purchase has its lot). In the
   * last step, after the purchases' writes and the outbox's, it reads the purchases `ids()` names,
   * counts the purchase rows the transaction rewrote and reads the events it stored.
   */
  async function untilCommit<T>(work: () => Promise<T>, ids: () => string[]): Promise<{ result: T; rewrites: number; rows: Map<string, Row> }> {
    return owner.untilCommit(
      async (manager) => {
        const start = await rowsUpdated();
        const [{ last }] = await manager.query<Array<{ last: string }>>(`SELECT coalesce(max(id), 0) AS last FROM outbox_events`);
        return { start, last, result: await work() };
      },
      async (manager, { start, last, result }) => {
        published = await manager.query<NewOutboxEvent[]>(`SELECT type, payload FROM outbox_events WHERE id > $1 ORDER BY id`, [last]);
        return { result, rewrites: (await rowsUpdated()) - start, rows: await readAll(ids()) };
      },
    );
  }

  it('decides a batch in order: a later fact sees what an earlier one decided', async () => {
    let purchase = { id: '', sessionId: '' as string | null };
    const { result, rows } = await untilCommit(async () => {
      purchase = await seedPending();
      return sut.applySessions([
        { trigger: 'checkout.session.expired', session: session(purchase.sessionId!, { payment_intent: null, payment_status: 'unpaid' }) },
        { trigger: 'checkout.session.completed', session: session(purchase.sessionId!) },
      ]);
    }, () => [purchase.id]);

    expect(result).toEqual([
      { outcome: 'expired', transactionId: purchase.id },
      { outcome: 'already_final', transactionId: purchase.id },
    ]);
    expect(rows.get(purchase.id)).toMatchObject({ status: 'expired', credited: false, stripe_payment_id: null });
    expect(called).toEqual([]);
    expect(emitted).toEqual([]);
    expect(published).toEqual([]);
  });

  it('credits, fails and ignores in one batch; each purchase, the moderator the points module credited included, is rewritten once', async () => {
    const referenceSession = unique('cs');
    let [paid, failed, byReference] = [{ id: '', sessionId: '' as string | null }, { id: '', sessionId: '' as string | null }, { id: '', sessionId: null as string | null }];
    const { result, rewrites, rows } = await untilCommit(async () => {
      [paid, failed, byReference] = [await seedPending(), await seedPending(), await seedPending(null)];
      return sut.applySessions([
        { trigger: 'checkout.session.completed', session: session(paid.sessionId!) },
        { trigger: 'checkout.session.async_payment_failed', session: session(failed.sessionId!, { payment_status: 'unpaid' }) },
        { trigger: 'checkout.session.completed', session: session(unique('cs')) },
        { trigger: 'checkout.session.async_payment_succeeded', session: session(referenceSession, { client_reference_id: byReference.id }) },
      ]);
    }, () => [paid.id, failed.id, byReference.id]);

    expect(result).toEqual([
      { outcome: 'credited', transactionId: paid.id },
      { outcome: 'failed', transactionId: failed.id },
      { outcome: 'unknown_transaction', transactionId: null },
      { outcome: 'credited', transactionId: byReference.id },
    ]);
    expect(rewrites).toBe(3);
    expect(rows.get(paid.id)).toMatchObject({ status: 'completed', credited: true, moderator_id: cast.moderator.id });
    expect(rows.get(byReference.id)).toMatchObject({ status: 'completed', credited: true, stripe_session_id: referenceSession, moderator_id: cast.moderator.id });
    expect(rows.get(failed.id)).toMatchObject({ status: 'failed', failure_reason: 'async_payment_failed', moderator_id: null });

    expect(called.map((call) => call.name)).toEqual(['credit']);
    expect((called[0].payload as CapturedPayment[]).map((payment) => payment.transactionId)).toEqual([paid.id, byReference.id]);
    expect(emitted.map((event) => event.name)).toEqual(['payments.captured']);
    expect((emitted[0].payload as TransactionEvents['payments.captured']).payments.map((payment) => payment.transactionId)).toEqual([paid.id, byReference.id]);
    expect(published.map((event) => [event.type, event.payload.transactionId])).toEqual([
      ['payment.failed', failed.id],
      ['purchase.completed', paid.id],
      ['purchase.completed', byReference.id],
    ]);
  });

  it('refuses a refund of a purchase not credited yet, deciding no change', async () => {
    let purchase = { id: '', sessionId: '' as string | null };
    const payment = unique('pi');
    const { result, rewrites, rows } = await untilCommit(async () => {
      purchase = await seedPending(unique('cs'), payment);
      // Caught here to look at the transaction afterwards; the webhook lets it roll everything back.
      return sut.applyRefund({ id: unique('ch'), payment_intent: payment, amount_refunded: 999 } as Stripe.Charge).catch((error: unknown) => error);
    }, () => [purchase.id]);

    expect(result).toMatchObject({ code: PaymentsErrorCode.PurchaseNotYetCredited });
    expect(rewrites).toBe(0);
    expect(rows.get(purchase.id)).toMatchObject({ status: 'pending', refunded_points: 0, stripe_amount_refunded_cents: 0 });
    expect(called).toEqual([]);
  });

  it('reverses a partial refund and writes the purchase once', async () => {
    const [payment, charge] = [unique('pi'), unique('ch')];
    let purchase = '';
    const { result, rewrites, rows } = await untilCommit(async () => {
      purchase = await seedCredited(payment);
      return sut.applyRefund({ id: charge, payment_intent: payment, amount_refunded: 300 } as Stripe.Charge);
    }, () => [purchase]);

    expect(result).toEqual({ outcome: 'partially_refunded', transactionId: purchase });
    expect(called).toEqual([
      {
        name: 'reverse',
        payload: {
          transactionId: purchase,
          clientId: cast.client.id,
          profileId: cast.profile.id,
          moderatorId: cast.moderator.id,
          points: 151,
          reason: 'refund',
          reversalKey: `refund:${purchase}:300`,
          netPaidCents: 699,
          occurredAt: expect.any(String),
        },
      },
    ]);
    expect(rewrites).toBe(1);
    expect(rows.get(purchase)).toMatchObject({ status: 'completed', refunded_points: 151, stripe_amount_refunded_cents: 300 });
  });

  it('names no purchase for a charge it does not know', async () => {
    const { result, rewrites } = await untilCommit(
      () => sut.applyDispute({ id: unique('dp'), charge: unique('ch'), payment_intent: null } as Stripe.Dispute, 'created'),
      () => [],
    );
    expect(result).toEqual({ outcome: 'unknown_transaction', transactionId: null });
    expect(rewrites).toBe(0);
  });
});
