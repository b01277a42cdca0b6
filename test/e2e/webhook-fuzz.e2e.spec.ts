import fc from 'fast-check';
import { CHARGE_EVENT_TYPES, DISPUTE_STATUSES, HandledEventType, MAX_AMOUNT, SESSION_EVENT_TYPES } from '../../src/payments/webhook/stripe-event-shape';
import { WEBHOOK_OUTCOMES } from '../../src/payments/webhook/stripe-webhook.service';
import { createScenario } from '../factories';
import { ledgerDrift } from '../support/ledger';
import { buy, checkout, lastEvent } from '../support/purchases';
import { captureLogs } from '../support/captured-logs';
import { startTestApp, TestApp } from '../support/test-app';
import { sendSigned } from '../support/webhooks';

type Json = Record<string, unknown>;
type Path = readonly string[];

/** Stand-ins replaced in the serialised body: JSON.stringify itself would recurse 10,000 levels. */
const DEEP = '__fuzz_deep__';
const HUGE = '__fuzz_huge__';
const DEEP_JSON = '{"a":'.repeat(10_000) + '[1]' + '}'.repeat(10_000);
const HUGE_JSON = JSON.stringify(`pi_${'9'.repeat(50_000)}`);

/** Outcomes that change a balance or a purchase: none may come from a fuzzed event. */
const CHANGING = new Set(['credited', 'refunded', 'partially_refunded', 'disputed', 'dispute_won', 'dispute_lost', 'failed', 'expired', 'awaiting_payment', 'amount_mismatch', 'currency_mismatch']);
const HARMLESS = WEBHOOK_OUTCOMES.filter((outcome) => !CHANGING.has(outcome));

const HANDLED: HandledEventType[] = [...SESSION_EVENT_TYPES, ...CHARGE_EVENT_TYPES];

interface Pools {
  /** Of credited purchases only. */
  creditedSessions: string[];
  /** Of every purchase of the scenario, pending ones included. */
  sessions: string[];
  paymentIntents: string[];
  charges: string[];
  disputes: string[];
  transactions: string[];
}

/** One delivery: how its body was built, for the failure message. */
interface Fuzzed {
  kind: 'broken' | 'fake-ids' | 'final-session' | 'unknown-type' | 'raw';
  body: unknown;
}

/**
 * Validly signed events of random shapes and types against real purchases: never a 5xx, never a
 * change to a balance or a purchase, the ledger clean afterwards (SPEC §9, malformed signed events).
 */
describe('Webhook fuzz: signed events of any shape never fail and never change a balance', () => {
  let t: TestApp;
  let pools: Pools;
  let transactionIds: string[];

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
    const { profile, client } = await createScenario(t.db);
    const credited = [await buy(t, client, profile.id, '100'), await buy(t, client, profile.id, '500'), await buy(t, client, profile.id, '1000')];
    await t.emulator.refund(credited[1].paymentIntentId, 300);
    await t.emulator.createDispute(credited[2].chargeId);
    const dispute = lastEvent(t, 'charge.dispute.created', credited[2].chargeId).data.object as { id: string };
    const pending = await checkout(t, client, profile.id, '500');
    await t.emulator.idle();

    transactionIds = [...credited.map((purchase) => purchase.transactionId), pending.transactionId];
    pools = {
      creditedSessions: credited.map((purchase) => purchase.sessionId),
      sessions: [...credited.map((purchase) => purchase.sessionId), pending.sessionId],
      paymentIntents: credited.map((purchase) => purchase.paymentIntentId),
      charges: credited.map((purchase) => purchase.chargeId),
      disputes: [dispute.id],
      transactions: transactionIds,
    };
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  /** Every column an event could change, of the scenario's purchases, their interaction and moderator. */
  async function state() {
    return t.db.query(
      `SELECT t.id, t.status, t.stripe_session_id, t.stripe_payment_id, t.stripe_charge_id, t.stripe_amount_paid_cents,
              t.stripe_amount_refunded_cents, t.refunded_points, t.disputed_points, t.dispute_id, t.dispute_status,
              t.failure_reason, t.credited_at, t.updated_at, t.moderator_id,
              u.points AS moderator_points, i.points_balance, i.held_points, i.total_points_received,
              (SELECT count(*) FROM ledger_transfers l WHERE l.transaction_id = t.id)::int AS transfers,
              (SELECT count(*) FROM point_lots p WHERE p.transaction_id = t.id)::int AS lots
         FROM profile_point_transactions t
         JOIN profiles pr ON pr.id = t.profile_id
         LEFT JOIN users u ON u.id = pr.moderator_id
         LEFT JOIN profile_client_interactions i ON i.client_id = t.client_id AND i.profile_id = t.profile_id
        WHERE t.id = ANY($1)
        ORDER BY t.id`,
      [transactionIds],
    );
  }

  it('answers every signed body 200 and leaves every balance, purchase and the ledger as they were', async () => {
    const logs = captureLogs();
    const before = await state();
    const tally = new Map<string, number>();
    const arbitrary = fuzzedEvent(pools);

    await fc.assert(
      fc.asyncProperty(fc.array(arbitrary, { minLength: 1, maxLength: 4 }), fc.boolean(), async (events, repeat) => {
        const bodies = events.map((event) => serialise(event.body));
        // The same body twice at once, as Stripe may redeliver while the first is in flight.
        if (repeat) bodies.push(bodies[0]);
        const answers = await Promise.all(bodies.map((body) => sendSigned(t, body)));

        answers.forEach((answer, i) => {
          const context = { kind: events[i % events.length].kind, answer };
          // Validly signed, so Stripe's: whatever it holds, acknowledged (a bare JSON value as malformed).
          expect({ ...context, harmless: HARMLESS.includes(answer.body.outcome as never) }).toMatchObject({ answer: { status: 200 }, harmless: true });
          tally.set(String(answer.body.outcome), (tally.get(String(answer.body.outcome)) ?? 0) + 1);
        });
        expect(await state()).toEqual(before);
      }),
      { numRuns: 200 },
    );

    expect(await ledgerDrift(t.db)).toEqual([]);
    const [stuck] = await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM stripe_events WHERE outcome = 'processing'`);
    expect(stuck.n).toBe(0);
    // The generator reaches every kind of answer that matters.
    expect([...tally.keys()]).toEqual(expect.arrayContaining(['malformed', 'duplicate', 'ignored', 'already_final', 'unknown_transaction']));
    // One alert per malformed event, and no other error: nothing failed on the way.
    const errors = logs.messages('error');
    expect(errors.filter((message) => !message.startsWith('ALERT malformed Stripe event '))).toEqual([]);
    expect(errors).toHaveLength(tally.get('malformed') ?? 0);
  }, 60_000);
});

function serialise(body: unknown): string {
  return JSON.stringify(body).replaceAll(`"${DEEP}"`, DEEP_JSON).replaceAll(`"${HUGE}"`, HUGE_JSON);
}

// ---- generators ----------------------------------------------------------------------------

const fakeId = (prefix: string) => fc.stringMatching(/^[A-Za-z0-9]{1,20}$/).map((suffix) => `${prefix}_fuzz${suffix}`);
const oneOfPool = (pool: string[], prefix: string) => (pool.length > 0 ? fc.oneof(fc.constantFrom(...pool), fakeId(prefix)) : fakeId(prefix));

/** Any value at all; by chance a valid one for some field. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0.5, 1e21, 1e308, 2 ** 53, MAX_AMOUNT + 1),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(DEEP, HUGE),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

/** Values an id-like field never accepts (a missing or null one may be allowed: not here). */
const badId = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(''),
  fc.constant('has space'),
  fc.constantFrom(DEEP, HUGE),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.constant({ id: 42 }),
  fc.constant({ object: 'payment_intent' }),
);
const badAmount = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ max: -1 }),
  fc.double({ min: 0.01, max: 1e6 }).filter((value) => !Number.isInteger(value)),
  fc.constantFrom(MAX_AMOUNT + 1, 1e30, Number.MAX_VALUE),
  fc.string({ maxLength: 6 }),
  fc.constantFrom(DEEP, HUGE),
  fc.boolean(),
);
const badText = (valid: (value: string) => boolean) =>
  fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.constantFrom(DEEP, HUGE), fc.string({ maxLength: 12 }).filter((value) => !valid(value)));

/** Per handled type, the paths a handler reads and a value each refuses, whatever the rest of the event. */
function breakers(type: HandledEventType): Array<[Path, fc.Arbitrary<unknown>]> {
  const envelope: Array<[Path, fc.Arbitrary<unknown>]> = [
    [['id'], fc.oneof(fc.constant(undefined), fc.constant(null), badId)],
    [['created'], fc.oneof(fc.constant(undefined), fc.constant(null), fc.constantFrom('2026-11-29', -1, 1.5, 1e20), fc.string({ maxLength: 5 }))],
    [['data'], fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant([]), fc.string({ maxLength: 5 }), fc.integer())],
    [['data', 'object'], fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant([]), fc.string({ maxLength: 5 }), fc.integer(), fc.constant(HUGE))],
    [['data', 'object', 'id'], fc.oneof(fc.constant(undefined), fc.constant(null), badId)],
  ];
  const object = (field: string, value: fc.Arbitrary<unknown>): [Path, fc.Arbitrary<unknown>] => [['data', 'object', field], value];
  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      // These hold for a paid session; `paid` is set last (see brokenEvent) so they are read.
      return [
        ...envelope,
        object('client_reference_id', fc.oneof(fc.integer(), fc.constant(DEEP), fc.constant(HUGE), fc.constant([]))),
        object('amount_total', badAmount),
        object('currency', badText((value) => /^[A-Za-z]{3}$/.test(value))),
        object('payment_intent', fc.oneof(fc.constant(undefined), fc.constant(null), badId)),
      ];
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      return [...envelope, object('client_reference_id', fc.oneof(fc.integer(), fc.constant(HUGE))), object('payment_intent', badId)];
    case 'charge.refunded':
      return [...envelope, object('amount_refunded', badAmount), object('payment_intent', badId)];
    case 'charge.dispute.created':
      return [...envelope, object('charge', fc.oneof(fc.constant(undefined), fc.constant(null), badId)), object('payment_intent', badId)];
    case 'charge.dispute.closed':
      return [
        ...envelope,
        object('charge', fc.oneof(fc.constant(undefined), fc.constant(null), badId)),
        object('status', badText((value) => (DISPUTE_STATUSES as readonly string[]).includes(value))),
      ];
    case 'radar.early_fraud_warning.created':
      return [
        ...envelope,
        object('charge', fc.oneof(fc.constant(undefined), fc.constant(null), badId)),
        object('payment_intent', badId),
        object('fraud_type', fc.oneof(fc.integer(), fc.constant(DEEP), fc.constant(HUGE), fc.constant([]))),
      ];
  }
}

/** A plausible event of a handled type, its references drawn from real ones and made-up ones. */
function plausible(type: HandledEventType, pools: Pools, sessions: string[]): fc.Arbitrary<Json> {
  const references = fc.record({
    eventId: fakeId('evt'),
    session: oneOfPool(sessions, 'cs'),
    paymentIntent: oneOfPool(pools.paymentIntents, 'pi'),
    charge: oneOfPool(pools.charges, 'ch'),
    dispute: oneOfPool(pools.disputes, 'dp'),
    reference: fc.oneof(fc.constant(null), fc.constantFrom(...pools.transactions)),
    amount: fc.constantFrom(0, 299, 999, 1699, 300),
    paymentStatus: fc.constantFrom('paid', 'unpaid', 'no_payment_required'),
    disputeStatus: fc.constantFrom('won', 'lost', 'needs_response', 'warning_closed'),
    expanded: fc.boolean(),
  });
  return references.map((r) => {
    const ref = (id: string, object: string) => (r.expanded ? { id, object } : id);
    const object = type.startsWith('checkout.session')
      ? {
          id: r.session,
          object: 'checkout.session',
          mode: 'payment',
          client_reference_id: r.reference,
          payment_status: r.paymentStatus,
          amount_total: r.amount,
          currency: 'eur',
          payment_intent: ref(r.paymentIntent, 'payment_intent'),
          metadata: { points_amount: '500' },
        }
      : type === 'charge.refunded'
        ? { id: r.charge, object: 'charge', amount: 999, amount_refunded: r.amount, currency: 'eur', payment_intent: ref(r.paymentIntent, 'payment_intent') }
        : type === 'radar.early_fraud_warning.created'
          ? {
              id: r.eventId.replace('evt', 'issfr'),
              object: 'radar.early_fraud_warning',
              actionable: true,
              charge: ref(r.charge, 'charge'),
              payment_intent: r.paymentIntent,
              fraud_type: 'made_with_stolen_card',
            }
          : {
            id: r.dispute,
            object: 'dispute',
            amount: 999,
            currency: 'eur',
            charge: ref(r.charge, 'charge'),
            payment_intent: r.paymentIntent,
            status: r.disputeStatus,
          };
    return { id: r.eventId, object: 'event', livemode: false, type, created: Math.floor(Date.now() / 1000), data: { object } };
  });
}

/** Any path of an event: the read ones, unread ones, and new ones. */
const anyPath = fc.oneof(
  fc.constantFrom<Path>(['id'], ['type'], ['created'], ['data'], ['data', 'object'], ['livemode'], ['request', 'id'], ['data', 'previous_attributes']),
  fc
    .constantFrom('id', 'client_reference_id', 'payment_status', 'amount_total', 'currency', 'payment_intent', 'amount_refunded', 'charge', 'status', 'metadata', 'livemode')
    .map((field): Path => ['data', 'object', field]),
  fc.string({ minLength: 1, maxLength: 6 }).map((field): Path => ['data', 'object', field]),
);

function setPath(target: Json, path: Path, value: unknown): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    const next = (node as Json)[key];
    // An intermediate that is no longer an object makes the event malformed already.
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return;
    node = next;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete (node as Json)[last];
  else (node as Json)[last] = value;
}

function fuzzedEvent(pools: Pools): fc.Arbitrary<Fuzzed> {
  const handled = fc.constantFrom(...HANDLED);
  const noise = fc.array(fc.tuple(anyPath, junk), { maxLength: 3 });

  // Real or made-up references, random noise anywhere, then one field its handler reads broken.
  const broken = handled.chain((type) =>
    fc
      .tuple(plausible(type, pools, pools.sessions), noise, fc.constantFrom(...breakers(type)))
      .chain(([event, mutations, [path, value]]) => fc.tuple(fc.constant(event), fc.constant(mutations), fc.constant(path), value))
      .map(([event, mutations, path, value]): Fuzzed => {
        for (const [where, what] of mutations) setPath(event, where, what);
        // A paid session's amount and currency are read: keep it paid so a broken one counts.
        if (type.startsWith('checkout.session') && path.length === 3 && !['id', 'client_reference_id'].includes(path[2])) setPath(event, ['data', 'object', 'payment_status'], 'paid');
        setPath(event, path, value);
        return { kind: 'broken', body: event };
      }),
  );

  // Only made-up ids: whatever the shape, it names no purchase (the reference ids have sessions already).
  const fakeIds = handled.chain((type) =>
    fc.tuple(plausible(type, { ...pools, paymentIntents: [], charges: [], disputes: [] }, []), noise).map(([event, mutations]): Fuzzed => {
      for (const [where, what] of mutations) setPath(event, where, what);
      return { kind: 'fake-ids', body: event };
    }),
  );

  // Well-formed session events of credited purchases: already final, nothing to do.
  const finalSession = fc
    .constantFrom(...SESSION_EVENT_TYPES)
    .chain((type) => plausible(type, { ...pools, paymentIntents: [] }, pools.creditedSessions))
    .map((event): Fuzzed => ({ kind: 'final-session', body: event }));

  // Types this service does not handle, carrying real references.
  const unknownType = fc
    .tuple(
      handled.chain((type) => plausible(type, pools, pools.sessions)),
      fc.oneof(
        fc.constantFrom('customer.created', 'charge.succeeded', 'payment_intent.succeeded', 'CHARGE.REFUNDED', 'checkout.session.completed ', '__proto__', 'constructor'),
        fc.string({ maxLength: 30 }),
      ),
      noise,
    )
    .filter(([, type]) => !(HANDLED as string[]).includes(type))
    .map(([event, type, mutations]): Fuzzed => {
      for (const [where, what] of mutations) if (where.join('.') !== 'type') setPath(event, where, what);
      event.type = type;
      return { kind: 'unknown-type', body: event };
    });

  // Any JSON at all, or an object with the envelope's names holding anything.
  const raw = fc
    .oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ id: junk, type: fc.oneof(junk, handled), created: junk, data: fc.oneof(junk, fc.record({ object: junk })) }, { requiredKeys: [] }),
    )
    .map((body): Fuzzed => ({ kind: 'raw', body }));

  return fc.oneof(
    { arbitrary: broken, weight: 6 },
    { arbitrary: fakeIds, weight: 2 },
    { arbitrary: finalSession, weight: 1 },
    { arbitrary: unknownType, weight: 1 },
    { arbitrary: raw, weight: 2 },
  );
}
