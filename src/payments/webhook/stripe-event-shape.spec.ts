import fc from 'fast-check';
import {
  accountOfKey,
  CHARGE_EVENT_TYPES,
  checkStripeEvent,
  DISPUTE_STATUSES,
  HandledEventType,
  MAX_AMOUNT,
  MAX_CREATED,
  PAYMENT_STATUSES,
  SESSION_EVENT_TYPES,
  StripeEventShape,
} from './stripe-event-shape';

type Json = Record<string, unknown>;

const session = (overrides: Json = {}): Json => ({
  id: 'cs_test_a1',
  object: 'checkout.session',
  mode: 'payment',
  client_reference_id: '42',
  payment_status: 'paid',
  amount_total: 999,
  currency: 'eur',
  payment_intent: 'pi_1',
  metadata: { points_amount: '500' },
  ...overrides,
});
const charge = (overrides: Json = {}): Json => ({ id: 'ch_1', object: 'charge', amount: 999, amount_refunded: 300, payment_intent: 'pi_1', ...overrides });
const dispute = (overrides: Json = {}): Json => ({ id: 'dp_1', object: 'dispute', charge: 'ch_1', payment_intent: 'pi_1', status: 'needs_response', ...overrides });
const earlyFraudWarning = (overrides: Json = {}): Json => ({
  id: 'issfr_1',
  object: 'radar.early_fraud_warning',
  actionable: true,
  charge: 'ch_1',
  payment_intent: 'pi_1',
  fraud_type: 'made_with_stolen_card',
  ...overrides,
});

const OBJECTS: Record<HandledEventType, () => Json> = {
  'checkout.session.completed': session,
  'checkout.session.async_payment_succeeded': session,
  'checkout.session.async_payment_failed': () => session({ payment_status: 'unpaid' }),
  'checkout.session.expired': () => session({ payment_status: 'unpaid', payment_intent: null }),
  'charge.refunded': charge,
  'charge.dispute.created': dispute,
  'charge.dispute.closed': () => dispute({ status: 'won' }),
  'radar.early_fraud_warning.created': earlyFraudWarning,
};

/** Per type, the fields its handler reads and values each of them must refuse. */
const READ_FIELDS: Record<HandledEventType, string[]> = {
  'checkout.session.completed': ['id', 'client_reference_id', 'payment_status', 'amount_total', 'currency', 'payment_intent'],
  'checkout.session.async_payment_succeeded': ['id', 'client_reference_id', 'payment_status', 'amount_total', 'currency', 'payment_intent'],
  'checkout.session.async_payment_failed': ['id', 'client_reference_id', 'payment_intent'],
  'checkout.session.expired': ['id', 'client_reference_id', 'payment_intent'],
  'charge.refunded': ['id', 'payment_intent', 'amount_refunded'],
  'charge.dispute.created': ['id', 'charge', 'payment_intent'],
  'charge.dispute.closed': ['id', 'charge', 'payment_intent', 'status'],
  'radar.early_fraud_warning.created': ['id', 'charge', 'payment_intent', 'fraud_type'],
};

const NULLABLE = new Set(['client_reference_id', 'payment_intent', 'fraud_type']);

const event = (type: string, object: unknown, overrides: Json = {}): Json => ({
  id: 'evt_1',
  object: 'event',
  livemode: false,
  type,
  created: 1_764_000_000,
  data: { object },
  ...overrides,
});

/** The problem of a malformed shape; none for another. */
const problemOf = (shape: StripeEventShape): string => (shape.kind === 'malformed' ? shape.problem : `(${shape.kind}, not malformed)`);

const HANDLED = [...SESSION_EVENT_TYPES, ...CHARGE_EVENT_TYPES];

/** Per kind of field, values it must refuse: nothing here is a valid id, amount, currency or status. */
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }).filter((object) => !('id' in object)),
);
const wrongId = fc.oneof(notAString, fc.constant(''), fc.string({ minLength: 256, maxLength: 300 }), fc.string().map((text) => `${text} `));
const wrongReference = fc.oneof(wrongId, fc.record({ id: wrongId }));
const wrongAmount = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double({ min: MAX_AMOUNT + 1 }),
  fc.double().filter((value) => !Number.isInteger(value)),
  fc.string(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const wrongText = (accepted: (value: string) => boolean) => fc.oneof(notAString, fc.string().filter((value) => !accepted(value)));
const WRONG: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.oneof(wrongId, fc.constant(null)),
  client_reference_id: fc.oneof(notAString, fc.string({ minLength: 201, maxLength: 250 })),
  payment_status: fc.oneof(wrongText((value) => (PAYMENT_STATUSES as readonly string[]).includes(value)), fc.constant(null)),
  amount_total: fc.oneof(wrongAmount, fc.constant(null)),
  amount_refunded: fc.oneof(wrongAmount, fc.constant(null)),
  currency: fc.oneof(wrongText((value) => /^[A-Za-z]{3}$/.test(value)), fc.constant(null)),
  payment_intent: wrongReference,
  charge: fc.oneof(wrongReference, fc.constant(null)),
  status: fc.oneof(wrongText((value) => (DISPUTE_STATUSES as readonly string[]).includes(value)), fc.constant(null)),
  fraud_type: fc.oneof(notAString, fc.string({ minLength: 201, maxLength: 250 })),
};

const TEST_KEY_ACCOUNT = accountOfKey('sk_test_emulator');

describe(checkStripeEvent.name, () => {
  const sut = (payload: unknown) => checkStripeEvent(payload, TEST_KEY_ACCOUNT);

  describe('events about another account, mode or kind of payment', () => {
    it.each(HANDLED)('refuses %s of live mode, signed for a test key, and of test mode for a live key', (type) => {
      expect(problemOf(sut(event(type, OBJECTS[type](), { livemode: true })))).toBe(
        "event.livemode is a boolean; expected false (this service's Stripe key is a test key)",
      );
      expect(problemOf(checkStripeEvent(event(type, OBJECTS[type]()), accountOfKey('sk_live_abc')))).toMatch(/^event\.livemode .* expected true/);
      expect(checkStripeEvent(event(type, OBJECTS[type](), { livemode: true }), accountOfKey('rk_live_abc')).kind).toBe('handled');
      expect(problemOf(sut(event(type, OBJECTS[type](), { livemode: undefined })))).toMatch(/^event\.livemode is missing/);
    });

    it.each(HANDLED)('refuses %s of a connected account (Connect), applies one of the account itself', (type) => {
      expect(problemOf(sut(event(type, OBJECTS[type](), { account: 'acct_123' })))).toBe("event.account is set: the event of a connected account, not of this service's own");
      expect(sut(event(type, OBJECTS[type](), { account: null })).kind).toBe('handled');
    });

    it.each(HANDLED)('refuses %s about another kind of object', (type) => {
      const object = { ...OBJECTS[type](), object: 'payment_intent' };
      expect(problemOf(sut(event(type, object)))).toMatch(/^data\.object\.object is a string of 14 characters; expected "(checkout\.session|charge|dispute|radar\.early_fraud_warning)"/);
    });

    it.each(SESSION_EVENT_TYPES)('refuses %s of a subscription or setup session', (type) => {
      for (const mode of ['subscription', 'setup', undefined]) {
        expect(problemOf(sut(event(type, { ...OBJECTS[type](), mode })))).toMatch(/^data\.object\.mode .* expected "payment"/);
      }
    });
  });

  it.each(HANDLED)('admits a well-formed %s', (type) => {
    const payload = event(type, OBJECTS[type]());
    expect(sut(payload)).toEqual({ kind: 'handled', event: payload });
  });

  it.each([
    ['an expanded payment intent', 'checkout.session.completed', session({ payment_intent: { id: 'pi_1', object: 'payment_intent' } })],
    ['an unpaid completed session without payment intent', 'checkout.session.completed', session({ payment_status: 'unpaid', payment_intent: null, amount_total: null })],
    ['a refund of a charge without payment intent', 'charge.refunded', charge({ payment_intent: null })],
    ['a dispute with an expanded charge', 'charge.dispute.created', dispute({ charge: { id: 'ch_1', object: 'charge' } })],
    ['a dispute closed after an inquiry', 'charge.dispute.closed', dispute({ status: 'warning_closed' })],
    ['an early fraud warning without fraud type or payment intent', 'radar.early_fraud_warning.created', earlyFraudWarning({ fraud_type: null, payment_intent: undefined })],
    ['an early fraud warning with an expanded charge', 'radar.early_fraud_warning.created', earlyFraudWarning({ charge: { id: 'ch_1', object: 'charge' } })],
    ['amounts at both bounds', 'charge.refunded', charge({ amount_refunded: MAX_AMOUNT })],
    ['an upper-case currency', 'checkout.session.completed', session({ currency: 'EUR' })],
    ['no client_reference_id', 'checkout.session.expired', session({ client_reference_id: undefined })],
  ])('admits %s', (_label, type, object) => {
    expect(sut(event(type, object)).kind).toBe('handled');
  });

  it('answers "ignored" for a type it does not handle, whatever the rest', () => {
    expect(sut({ type: 'customer.created' })).toEqual({ kind: 'ignored', type: 'customer.created' });
    expect(sut(event('payment_intent.succeeded', null, { id: 7 })).kind).toBe('ignored');
    expect(sut(event('constructor', {})).kind).toBe('ignored');
    expect(sut(event('__proto__', {})).kind).toBe('ignored');
  });

  it.each([null, 1, 'evt', true, [], [event('charge.refunded', charge())]])('calls the payload %j malformed, with no id', (payload) => {
    const shape = sut(payload);
    expect(shape).toMatchObject({ kind: 'malformed', id: null, type: null });
    expect(problemOf(shape)).toMatch(/^the event is /);
  });

  it.each([
    ['type missing', { type: undefined }, /^type is missing/],
    ['type a number', { type: 5 }, /^type is the number 5/],
    ['id missing', { id: undefined }, /^event\.id is missing/],
    ['id a number', { id: 123 }, /^event\.id is the number 123/],
    ['id empty', { id: '' }, /^event\.id is a string of 0 characters/],
    ['id too long', { id: 'e'.repeat(256) }, /^event\.id is a string of 256 characters/],
    ['id with a newline', { id: 'evt\n1' }, /^event\.id/],
    ['created a string', { created: '1764000000' }, /^event\.created is a string/],
    ['created negative', { created: -1 }, /^event\.created/],
    ['created fractional', { created: 1.5 }, /^event\.created/],
    ['created beyond year 9999', { created: MAX_CREATED + 1 }, /^event\.created/],
    ['data missing', { data: undefined }, /^data is missing/],
    ['data an array', { data: [] }, /^data is an array/],
    ['data.object null', { data: { object: null } }, /^data\.object is null/],
    ['data.object an array', { data: { object: [] } }, /^data\.object is an array/],
  ])('calls an envelope with %s malformed', (_label, overrides, problem) => {
    const shape = sut(event('charge.refunded', charge(), overrides));
    expect(problemOf(shape)).toMatch(problem);
  });

  it('keeps a usable id, type and created of a malformed event, to record it under them', () => {
    expect(sut(event('charge.refunded', charge({ amount_refunded: 1.5 })))).toEqual({
      kind: 'malformed',
      problem: 'data.object.amount_refunded is the number 1.5; expected an integer amount from 0 to 999999999999',
      id: 'evt_1',
      type: 'charge.refunded',
      created: 1_764_000_000,
    });
    expect(sut(event('charge.refunded', charge(), { id: 42, created: 'today' }))).toMatchObject({ id: null, created: null, type: 'charge.refunded' });
  });

  it.each([
    ['amount_total', 'checkout.session.completed', 'a negative amount', -1],
    ['amount_total', 'checkout.session.completed', 'an amount beyond the bound', MAX_AMOUNT + 1],
    ['amount_total', 'checkout.session.completed', 'NaN', Number.NaN],
    ['amount_total', 'checkout.session.completed', 'null', null],
    ['amount_refunded', 'charge.refunded', 'an amount as a string', '300'],
    ['amount_refunded', 'charge.refunded', '1e30', 1e30],
    ['currency', 'checkout.session.completed', 'a two-letter currency', 'eu'],
    ['currency', 'checkout.session.completed', 'a currency with a digit', 'e1r'],
    ['currency', 'checkout.session.completed', 'null', null],
    ['payment_status', 'checkout.session.completed', 'an upper-case status', 'PAID'],
    ['payment_intent', 'checkout.session.completed', 'null', null],
    ['payment_intent', 'checkout.session.completed', 'an object with a null id', { id: null }],
    ['payment_intent', 'charge.refunded', 'a number', 42],
    ['charge', 'charge.dispute.created', 'null', null],
    ['charge', 'radar.early_fraud_warning.created', 'missing', undefined],
    ['charge', 'radar.early_fraud_warning.created', 'an object without id', { object: 'charge' }],
    ['fraud_type', 'radar.early_fraud_warning.created', 'a number', 3],
    ['status', 'charge.dispute.closed', 'a status Stripe does not have', 'closed'],
    ['client_reference_id', 'checkout.session.expired', '201 characters', 'r'.repeat(201)],
  ])('refuses %s in %s: %s', (field, type, _label, value) => {
    const shape = sut(event(type, { ...OBJECTS[type as HandledEventType](), [field]: value }));
    expect(problemOf(shape).startsWith(`data.object.${field} `)).toBe(true);
  });

  it('refuses a wrong value in any field a handler reads, and names that field', () => {
    const cases = fc.constantFrom(...HANDLED).chain((type) =>
      fc.constantFrom(...READ_FIELDS[type]).chain((field) => fc.tuple(fc.constant(type), fc.constant(field), WRONG[field])),
    );
    fc.assert(
      fc.property(cases, ([type, field, value]) => {
        const shape = sut(event(type, { ...OBJECTS[type](), [field]: value }));
        expect(problemOf(shape).startsWith(`data.object.${field} `)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a missing field a handler reads unless Stripe may leave it out', () => {
    for (const type of HANDLED) {
      for (const field of READ_FIELDS[type]) {
        const object = OBJECTS[type]();
        delete object[field];
        const optional = NULLABLE.has(field) && !(field === 'payment_intent' && object.payment_status === 'paid');
        expect({ type, field, kind: sut(event(type, object)).kind }).toEqual({ type, field, kind: optional ? 'handled' : 'malformed' });
      }
    }
  });

  it('ignores fields no handler reads, whatever they hold', () => {
    fc.assert(
      fc.property(fc.constantFrom(...HANDLED), fc.dictionary(fc.string(), fc.anything()), fc.dictionary(fc.string(), fc.anything()), (type, extraTop, extraObject) => {
        const object = OBJECTS[type]();
        const unread = (key: string) => !(key in object) && !['id', 'type', 'created', 'data', '__proto__'].includes(key);
        const payload = {
          ...Object.fromEntries(Object.entries(extraTop).filter(([key]) => unread(key))),
          ...event(type, { ...Object.fromEntries(Object.entries(extraObject).filter(([key]) => unread(key))), ...object }),
        };
        expect(sut(payload).kind).toBe('handled');
      }),
      { numRuns: 200 },
    );
  });

  it('never throws, whatever JSON it is given', () => {
    const field = fc.oneof(fc.anything(), fc.constantFrom(...HANDLED));
    const shaped = fc.record({ id: field, type: field, created: field, data: fc.oneof(fc.anything(), fc.record({ object: fc.anything() })) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), shaped), (payload) => {
        expect(['handled', 'ignored', 'malformed']).toContain(sut(payload).kind);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a body nested 100,000 levels deep without recursing into it', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = { d: [deep] };
    expect(sut(event('charge.refunded', charge({ metadata: deep }))).kind).toBe('handled');
    expect(sut(event('charge.refunded', deep)).kind).toBe('malformed');
    expect(sut(deep)).toMatchObject({ kind: 'malformed', problem: 'type is missing; expected a string' });
  });
});
