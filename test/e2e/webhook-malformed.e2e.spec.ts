import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { createScenario } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { captureLogs, CapturedLogs } from '../support/captured-logs';
import { buy, checkout, stateOf } from '../support/purchases';
import { sendSigned } from '../support/webhooks';

type Json = Record<string, unknown>;

/** A credited purchase (with its charge as Stripe has it) and a pending one (with its open session). */
interface Fixture {
  credited: { transactionId: string; paymentIntentId: string; chargeId: string; charge: Stripe.Charge };
  pending: { transactionId: string; sessionId: string; session: Stripe.Checkout.Session };
}

let counter = 0;
const now = () => Math.floor(Date.now() / 1000);
const eventId = () => `evt_malformed_${Date.now()}_${++counter}`;

function event(type: string, object: unknown, fields: Json = {}): Json {
  return { id: eventId(), object: 'event', livemode: false, type, created: now(), data: { object }, ...fields };
}

/** The session of the pending purchase as Stripe sends it once paid: well formed, it would credit. */
function paidSession(f: Fixture, overrides: Json = {}): Json {
  return { ...f.pending.session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${f.pending.sessionId}`, ...overrides };
}

/** The credited purchase's charge fully refunded: well formed, it would reverse the points. */
function refundedCharge(f: Fixture, overrides: Json = {}): Json {
  return { ...f.credited.charge, amount_refunded: f.credited.charge.amount, refunded: true, ...overrides };
}

function dispute(f: Fixture, overrides: Json = {}): Json {
  return {
    id: `dp_${f.credited.chargeId}`,
    object: 'dispute',
    amount: f.credited.charge.amount,
    currency: 'eur',
    charge: f.credited.chargeId,
    payment_intent: f.credited.paymentIntentId,
    status: 'needs_response',
    reason: 'fraudulent',
    ...overrides,
  };
}

function without(object: Json, key: string): Json {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

const sha256 = (body: string) => createHash('sha256').update(body, 'utf8').digest('hex');

/** The one alert a malformed event raises, naming the key it is recorded under. */
const alertFor = (key: string) =>
  expect.stringMatching(new RegExp(`^ALERT malformed Stripe event [^]*; acknowledged and recorded as ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, nothing applied$`));

describe('Malformed signed Stripe events (SPEC §9): acknowledged, recorded as "malformed", nothing else changes', () => {
  const t = appWithBalancedLedger({ RECONCILE_INTERVAL_MS: '0' });
  // Every test here sends malformed events on purpose: their ALERT lines are expected.
  let logs: CapturedLogs;
  beforeEach(() => {
    logs = captureLogs();
  });

  async function fixture(): Promise<Fixture> {
    const { profile, client } = await createScenario(t.db);
    const bought = await buy(t, client, profile.id, '100');
    const pending = await checkout(t, client, profile.id, '500');
    return {
      credited: { ...bought, charge: await t.stripe.charges.retrieve(bought.chargeId) },
      pending: { ...pending, session: await t.stripe.checkout.sessions.retrieve(pending.sessionId) },
    };
  }

  /** Everything an event could change about the two purchases and their parties. */
  async function snapshot(f: Fixture) {
    const ids = [f.credited.transactionId, f.pending.transactionId];
    const [purchases, transfers, outbox, events] = await Promise.all([
      t.db.query(
        `SELECT id, status, stripe_session_id, stripe_payment_id, stripe_charge_id, stripe_amount_paid_cents, stripe_amount_refunded_cents,
                refunded_points, disputed_points, dispute_id, dispute_status, failure_reason, credited_at, updated_at
           FROM profile_point_transactions WHERE id = ANY($1) ORDER BY id`,
        [ids],
      ),
      t.db.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE transaction_id = ANY($1)`, [ids]),
      t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE payload->>'transactionId' = ANY($1)`, [ids]),
      t.db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE transaction_id = ANY($1)`, [ids]),
    ]);
    return { purchases, transfers, outbox, events, credited: await stateOf(t, f.credited.transactionId), pending: await stateOf(t, f.pending.transactionId) };
  }

  async function storedOutcome(key: string): Promise<string | undefined> {
    const [row] = await t.db.query<Array<{ outcome: string }>>(`SELECT outcome FROM stripe_events WHERE id = $1`, [key]);
    return row?.outcome;
  }

  /** Where a malformed event is recorded: under its id when that is a usable one, else under a hash of the body. */
  function keyOf(body: string, payload: unknown): string {
    const id = (payload as { id?: unknown } | null)?.id;
    return typeof id === 'string' && /^[\x21-\x7e]{1,255}$/.test(id) ? id : `malformed:${sha256(body)}`;
  }

  const cases: Array<[string, (f: Fixture) => unknown]> = [
    ['no data', () => without(event('checkout.session.completed', {}), 'data')],
    ['data.object null', () => event('charge.refunded', null)],
    ['data.object a string', () => event('charge.refunded', 'ch_123')],
    ['no id', (f) => without(event('charge.refunded', refundedCharge(f)), 'id')],
    ['an empty id', (f) => event('charge.refunded', refundedCharge(f), { id: '' })],
    ['an id of 10,000 characters', (f) => event('charge.refunded', refundedCharge(f), { id: `evt_${'x'.repeat(10_000)}` })],
    ['an id with a NUL character', (f) => event('checkout.session.completed', paidSession(f), { id: 'evt_\u0000nul' })],
    ['created as a string', (f) => event('checkout.session.completed', paidSession(f), { created: new Date().toISOString() })],
    ['created beyond any date', (f) => event('checkout.session.completed', paidSession(f), { created: 1e20 })],
    ['type a number', (f) => event('checkout.session.completed', paidSession(f), { type: 42 })],
    ['a fractional amount_refunded', (f) => event('charge.refunded', refundedCharge(f, { amount_refunded: 150.5 }))],
    ['a huge amount_refunded', (f) => event('charge.refunded', refundedCharge(f, { amount_refunded: 1e30 }))],
    ['a negative amount_refunded', (f) => event('charge.refunded', refundedCharge(f, { amount_refunded: -299 }))],
    ['amount_refunded missing', (f) => event('charge.refunded', without(refundedCharge(f), 'amount_refunded'))],
    ['amount_refunded as a string', (f) => event('charge.refunded', refundedCharge(f, { amount_refunded: '299' }))],
    ['a charge without id', (f) => event('charge.refunded', without(refundedCharge(f), 'id'))],
    ['a huge amount_total', (f) => event('checkout.session.completed', paidSession(f, { amount_total: 1e30 }))],
    ['a fractional amount_total', (f) => event('checkout.session.completed', paidSession(f, { amount_total: 999.5 }))],
    ['amount_total null on a paid session', (f) => event('checkout.session.completed', paidSession(f, { amount_total: null }))],
    ['a currency of four letters', (f) => event('checkout.session.completed', paidSession(f, { currency: 'euro' }))],
    ['payment_status not a known one', (f) => event('checkout.session.completed', paidSession(f, { payment_status: 7 }))],
    ['a session without id', (f) => event('checkout.session.async_payment_succeeded', without(paidSession(f), 'id'))],
    ['a session id as an object', (f) => event('checkout.session.expired', { ...f.pending.session, id: { id: f.pending.sessionId } })],
    ['a client_reference_id as a number', (f) => event('checkout.session.expired', { ...f.pending.session, client_reference_id: 1 })],
    ['payment_intent a number', (f) => event('checkout.session.completed', paidSession(f, { payment_intent: 12345 }))],
    ['payment_intent an object without id', (f) => event('checkout.session.completed', paidSession(f, { payment_intent: { object: 'payment_intent' } }))],
    ['payment_intent null on a paid session', (f) => event('checkout.session.completed', paidSession(f, { payment_intent: null }))],
    ['a refund whose payment_intent is an array', (f) => event('charge.refunded', refundedCharge(f, { payment_intent: [f.credited.paymentIntentId] }))],
    ['a dispute without charge', (f) => event('charge.dispute.created', without(dispute(f), 'charge'))],
    ['a dispute closed with an unknown status', (f) => event('charge.dispute.closed', dispute(f, { status: 'maybe' }))],
    // Unique, as the same body from anyone (another suite included) is one event.
    ['a body that is an array', () => [eventId(), 'not an event']],
    // Well formed, signed, and about payments that are not this service's own: never applied.
    ['livemode true while the service runs on a test key', (f) => event('checkout.session.completed', paidSession(f), { livemode: true })],
    ['no livemode at all', (f) => without(event('checkout.session.completed', paidSession(f)), 'livemode')],
    ['another (connected) account', (f) => event('checkout.session.completed', paidSession(f), { account: 'acct_1Other' })],
    ['a payment intent where a session is named', (f) => event('checkout.session.completed', paidSession(f, { object: 'payment_intent' }))],
    ['a subscription session', (f) => event('checkout.session.completed', paidSession(f, { mode: 'subscription' }))],
    ['a refund of another account', (f) => event('charge.refunded', refundedCharge(f), { account: 'acct_1Other' })],
    ['a dispute that names a charge as its object', (f) => event('charge.dispute.created', dispute(f, { object: 'charge' }))],
  ];

  it.each(cases)('acknowledges an event with %s as "malformed" and changes nothing', async (_label, build) => {
    const f = await fixture();
    const before = await snapshot(f);
    const payload = build(f);
    const body = JSON.stringify(payload);

    const response = await sendSigned(t, body);

    expect(response).toEqual({ status: 200, body: { received: true, outcome: 'malformed' } });
    expect(await storedOutcome(keyOf(body, payload))).toBe('malformed');
    expect(await snapshot(f)).toEqual(before);
    expect(logs.messages('error')).toEqual([alertFor(keyOf(body, payload))]);
  });

  it('records an event whose id is a number under the hash of its body, never as "processing", and applies nothing', async () => {
    const f = await fixture();
    const before = await snapshot(f);
    const body = JSON.stringify(event('checkout.session.completed', paidSession(f), { id: 987_654_321 }));

    expect((await sendSigned(t, body)).body.outcome).toBe('malformed');

    expect(await storedOutcome(`malformed:${sha256(body)}`)).toBe('malformed');
    expect(await storedOutcome('987654321')).toBeUndefined();
    expect(await snapshot(f)).toEqual(before);
    expect(logs.messages('error')).toEqual([alertFor(`malformed:${sha256(body)}`)]);
  });

  it('applies neither of two disputes without an id on two purchases (they would share one ledger key)', async () => {
    const first = await fixture();
    const second = await fixture();
    const before = [await snapshot(first), await snapshot(second)];

    for (const f of [first, second]) {
      const payload = event('charge.dispute.created', without(dispute(f), 'id'));
      expect((await sendSigned(t, JSON.stringify(payload))).body.outcome).toBe('malformed');
      expect(await storedOutcome(payload.id as string)).toBe('malformed');
    }

    expect([await snapshot(first), await snapshot(second)]).toEqual(before);
    expect(await stateOf(t, first.credited.transactionId)).toMatchObject({ disputeStatus: null, moderatorPoints: 100, clientPoints: 100 });
    expect(await stateOf(t, second.credited.transactionId)).toMatchObject({ disputeStatus: null, moderatorPoints: 100, clientPoints: 100 });
  });

  it('never credits a session whose payment_intent is not an id, so later refunds still find the purchase', async () => {
    const f = await fixture();
    const malformed = JSON.stringify(event('checkout.session.completed', paidSession(f, { payment_intent: { id: 42 } })));
    expect((await sendSigned(t, malformed)).body.outcome).toBe('malformed');
    expect(await stateOf(t, f.pending.transactionId)).toMatchObject({ status: 'pending', clientPoints: 100 });

    // The real event, with an expanded payment intent: credited, with the payment intent's id stored.
    const paymentIntentId = `pi_for_${f.pending.sessionId}`;
    const wellFormed = JSON.stringify(event('checkout.session.completed', paidSession(f, { payment_intent: { id: paymentIntentId, object: 'payment_intent' } })));
    expect((await sendSigned(t, wellFormed)).body.outcome).toBe('credited');
    const [row] = await t.db.query<Array<{ stripe_payment_id: string }>>(`SELECT stripe_payment_id FROM profile_point_transactions WHERE id = $1`, [
      f.pending.transactionId,
    ]);
    expect(row.stripe_payment_id).toBe(paymentIntentId);
  });

  it('answers a retry of the same malformed body "duplicate", with or without a usable id', async () => {
    const f = await fixture();
    const withoutId = JSON.stringify(without(event('charge.refunded', refundedCharge(f, { amount_refunded: 1.5 })), 'id'));
    const withId = JSON.stringify(event('charge.refunded', refundedCharge(f, { amount_refunded: 1.5 })));
    const before = await snapshot(f);

    for (const body of [withoutId, withId]) {
      expect((await sendSigned(t, body)).body.outcome).toBe('malformed');
      expect((await sendSigned(t, body)).body.outcome).toBe('duplicate');
    }
    const rows = await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM stripe_events WHERE id = ANY($1)`, [
      [`malformed:${sha256(withoutId)}`, (JSON.parse(withId) as { id: string }).id],
    ]);
    expect(rows[0].n).toBe(2);
    expect(await snapshot(f)).toEqual(before);
    // Alerted once per event: a redelivery is a duplicate, not a second alert.
    expect(logs.messages('error')).toEqual([alertFor(`malformed:${sha256(withoutId)}`), alertFor((JSON.parse(withId) as { id: string }).id)]);
  });

  it('answers 200 to a refund whose payment intent Stripe does not know: it is not one of ours', async () => {
    const f = await fixture();
    const before = await snapshot(f);
    const body = JSON.stringify(event('charge.refunded', refundedCharge(f, { id: 'ch_not_ours', payment_intent: 'pi_not_ours' })));

    expect(await sendSigned(t, body)).toEqual({ status: 200, body: { received: true, outcome: 'unknown_transaction' } });
    expect(await snapshot(f)).toEqual(before);
  });

  it('refuses a signature timestamped beyond the tolerance in the future with 400, and records nothing', async () => {
    const f = await fixture();
    const payload = event('checkout.session.completed', paidSession(f));
    const body = JSON.stringify(payload);

    const response = await sendSigned(t, body, now() + 50 * 60);

    expect(response.status).toBe(400);
    expect(response.body.error).toBe('INVALID_STRIPE_SIGNATURE');
    expect(await storedOutcome(payload.id as string)).toBeUndefined();
    expect(await stateOf(t, f.pending.transactionId)).toMatchObject({ status: 'pending', moderatorPoints: 100 });
  });

  it('still credits a well-formed event, also one signed a little ahead of our clock', async () => {
    const f = await fixture();
    const payload = event('checkout.session.completed', paidSession(f));

    const response = await sendSigned(t, JSON.stringify(payload), now() + 60);

    expect(response).toEqual({ status: 200, body: { received: true, outcome: 'credited' } });
    expect(await storedOutcome(payload.id as string)).toBe('credited');
    expect(await stateOf(t, f.pending.transactionId)).toMatchObject({ status: 'completed', moderatorPoints: 600, clientPoints: 600 });
  });
});
