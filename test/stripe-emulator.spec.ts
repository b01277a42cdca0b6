import http from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  ChargeObject,
  CheckoutSessionObject,
  DisputeObject,
  EarlyFraudWarningObject,
  parseForm,
  StripeEmulator,
  StripeEventObject,
} from '../tools/stripe-emulator';
import { StripeEngine } from '../tools/stripe-emulator/engine';

const WEBHOOK_SECRET = 'whsec_stripe_emulator_spec';
const SUCCESS_URL = 'http://shop.test/profile-points/success?session_id={CHECKOUT_SESSION_ID}';
const CANCEL_URL = 'http://shop.test/profile/p1/points?checkout=cancelled';

interface ReceivedWebhook {
  event: Stripe.Event;
  rawBody: string;
}

/** A stand-in for the service's webhook endpoint: verifies every signature the way the service must. */
class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly rejected: string[] = [];
  private readonly scriptedStatuses: number[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(verifier: Stripe): Promise<WebhookReceiver> {
    const ready: { receiver?: WebhookReceiver } = {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => res.writeHead(ready.receiver?.accept(verifier, Buffer.concat(chunks), req.headers) ?? 503).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ready.receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/stripe/webhook`);
    return ready.receiver;
  }

  answerNext(...statuses: number[]): void {
    this.scriptedStatuses.push(...statuses);
  }

  events(type: string, objectId?: string): Stripe.Event[] {
    return this.received
      .map(({ event }) => event)
      .filter((event) => event.type === type && (objectId === undefined || dataObject<{ id: string }>(event).id === objectId));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(verifier: Stripe, rawBody: Buffer, headers: http.IncomingHttpHeaders): number {
    try {
      const event = verifier.webhooks.constructEvent(rawBody, String(headers['stripe-signature']), WEBHOOK_SECRET);
      this.received.push({ event, rawBody: rawBody.toString('utf8') });
    } catch (error) {
      this.rejected.push((error as Error).message);
      return 400;
    }
    return this.scriptedStatuses.shift() ?? 200;
  }
}

function dataObject<T>(event: Stripe.Event | StripeEventObject): T {
  return event.data.object as unknown as T;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused');
}

function sessionParams(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    client_reference_id: 'tx_123',
    customer_email: 'buyer@example.test',
    line_items: [{ quantity: 2, price_data: { currency: 'EUR', unit_amount: 999, product_data: { name: '500 Points pour Alice' } } }],
    metadata: { transaction_id: 'tx_123', client_id: 'client_1' },
    payment_intent_data: { metadata: { points_amount: '500' } },
    success_url: SUCCESS_URL,
    cancel_url: CANCEL_URL,
    ...overrides,
  };
}

describe(StripeEmulator.name, () => {
  let emulator: StripeEmulator;
  let receiver: WebhookReceiver;
  let stripe: Stripe;

  const createSession = (overrides?: Partial<Stripe.Checkout.SessionCreateParams>, options?: Stripe.RequestOptions) =>
    stripe.checkout.sessions.create(sessionParams(overrides), options);

  const paidSession = async () => {
    const session = await createSession();
    await emulator.paySession(session.id);
    const paymentIntent = await stripe.paymentIntents.retrieve(String(emulator.getSession(session.id)?.payment_intent));
    return { session, paymentIntent, chargeId: paymentIntent.latest_charge as string };
  };

  beforeAll(async () => {
    emulator = await StripeEmulator.start({ webhookSecret: WEBHOOK_SECRET, retry: { attempts: 5, baseDelayMs: 10 } });
    stripe = new Stripe('sk_test_emulator_spec', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
    receiver = await WebhookReceiver.start(stripe);
    emulator.setWebhookUrl(receiver.url);
  });

  afterEach(async () => {
    await emulator.idle();
    expect(receiver.rejected).toEqual([]);
  });

  afterAll(async () => {
    await emulator.stop();
    await receiver.close();
  });

  describe('Checkout Sessions API', () => {
    it('creates a session through the SDK and retrieves the same one', async () => {
      const created = await createSession();

      expect(created).toMatchObject({
        object: 'checkout.session',
        mode: 'payment',
        status: 'open',
        payment_status: 'unpaid',
        amount_subtotal: 1998,
        amount_total: 1998,
        currency: 'eur',
        client_reference_id: 'tx_123',
        customer_email: 'buyer@example.test',
        metadata: { transaction_id: 'tx_123', client_id: 'client_1' },
        success_url: SUCCESS_URL,
        cancel_url: CANCEL_URL,
        payment_intent: null,
        payment_method_types: ['card'],
        livemode: false,
      });
      expect(created.id).toMatch(/^cs_test_\w+$/);
      expect(created.url).toBe(`${emulator.url}/c/pay/${created.id}`);
      expect(created.expires_at - created.created).toBe(24 * 60 * 60);
      expect(await stripe.checkout.sessions.retrieve(created.id)).toEqual(created);
    });

    it('lists the line items of a session', async () => {
      const session = await createSession();

      const items = await stripe.checkout.sessions.listLineItems(session.id);

      expect(items.has_more).toBe(false);
      expect(items.data).toHaveLength(1);
      expect(items.data[0]).toMatchObject({
        description: '500 Points pour Alice',
        quantity: 2,
        amount_total: 1998,
        currency: 'eur',
        price: { unit_amount: 999, currency: 'eur' },
      });
    });

    it('parses the bracket notation the SDK sends, arrays included', async () => {
      const body = new URLSearchParams({
        mode: 'payment',
        'line_items[0][price_data][currency]': 'eur',
        'line_items[0][price_data][unit_amount]': '500',
        'line_items[0][price_data][product_data][name]': 'Small pack',
        'line_items[0][quantity]': '1',
        'line_items[1][price_data][currency]': 'eur',
        'line_items[1][price_data][unit_amount]': '250',
        'line_items[1][price_data][product_data][name]': 'Bonus',
        'line_items[1][quantity]': '3',
        'payment_method_types[0]': 'card',
        'payment_method_types[1]': 'sepa_debit',
        'metadata[client_id]': 'c 1&2',
        success_url: SUCCESS_URL,
      });

      const response = await fetch(`${emulator.url}/v1/checkout/sessions`, {
        method: 'POST',
        headers: { Authorization: 'Bearer sk_test_raw', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        amount_total: 1250,
        payment_method_types: ['card', 'sepa_debit'],
        metadata: { client_id: 'c 1&2' },
      });
      expect(parseForm('a[]=x&a[]=y&b[0][c]=1&b[1][c]=2&m[k]=v')).toEqual({ a: ['x', 'y'], b: [{ c: '1' }, { c: '2' }], m: { k: 'v' } });
    });

    it('answers invalid parameters with a StripeInvalidRequestError naming the parameter', async () => {
      const zeroAmount = await rejectionOf(
        createSession({ line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: 0, product_data: { name: 'Free' } } }] }),
      );
      const noSuccessUrl = await rejectionOf(createSession({ success_url: undefined }));
      const typo = await rejectionOf(stripe.checkout.sessions.create({ ...sessionParams(), metdata: { a: 'b' } } as Stripe.Checkout.SessionCreateParams));

      expect(zeroAmount).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(zeroAmount).toMatchObject({
        statusCode: 400,
        param: 'line_items[0][price_data][unit_amount]',
        message: expect.stringContaining('must be a positive integer'),
      });
      expect(noSuccessUrl).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(noSuccessUrl).toMatchObject({ statusCode: 400, message: 'Missing required param: success_url.', param: 'success_url' });
      expect(typo).toMatchObject({ statusCode: 400, message: 'Received unknown parameter: metdata' });
    });

    it('charges a three-decimal currency only in steps of 10 thousandths', async () => {
      const item = (unit_amount: number) => ({ quantity: 1, price_data: { currency: 'kwd', unit_amount, product_data: { name: 'Points' } } });
      const offStep = await rejectionOf(createSession({ line_items: [item(5125)] }));
      expect(offStep).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(offStep).toMatchObject({ statusCode: 400, code: 'invalid_amount', param: 'line_items' });
      await expect(createSession({ line_items: [item(5120)] })).resolves.toMatchObject({ amount_total: 5120, currency: 'kwd' });
    });

    it('answers an unknown id with 404 resource_missing', async () => {
      const error = await rejectionOf(stripe.checkout.sessions.retrieve('cs_test_doesnotexist'));

      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such checkout.session: 'cs_test_doesnotexist'" });
    });

    it('refuses requests without a secret key with 401', async () => {
      const response = await fetch(`${emulator.url}/v1/checkout/sessions/cs_test_any`);
      const publishableKey = new Stripe('pk_test_wrong_kind', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });

      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('did not provide an API key') } });
      expect(await rejectionOf(publishableKey.checkout.sessions.retrieve('cs_test_any'))).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    });

    it('replays the first answer for a reused Idempotency-Key and refuses it for a different request', async () => {
      const first = await createSession({}, { idempotencyKey: 'checkout-tx-idem' });
      const replay = await createSession({}, { idempotencyKey: 'checkout-tx-idem' });
      const misuse = await rejectionOf(createSession({ client_reference_id: 'other' }, { idempotencyKey: 'checkout-tx-idem' }));

      expect(replay.id).toBe(first.id);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(misuse).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    });
  });

  describe('payments and their webhooks', () => {
    it('pays a session and delivers a verified checkout.session.completed', async () => {
      const session = await createSession();

      const deliveries = await emulator.paySession(session.id);

      const [event] = receiver.events('checkout.session.completed', session.id);
      const completed = dataObject<CheckoutSessionObject>(event);
      expect(deliveries).toEqual([expect.objectContaining({ eventId: event.id, type: 'checkout.session.completed', attempt: 1, status: 200 })]);
      expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid', amount_total: 1998, metadata: { transaction_id: 'tx_123' } });
      expect(completed.payment_intent).toMatch(/^pi_/);
      const paymentIntent = await stripe.paymentIntents.retrieve(String(completed.payment_intent));
      expect(paymentIntent).toMatchObject({
        status: 'succeeded',
        amount: 1998,
        currency: 'eur',
        metadata: { transaction_id: 'tx_123', client_id: 'client_1', points_amount: '500' },
      });
      expect(await stripe.charges.retrieve(paymentIntent.latest_charge as string)).toMatchObject({ paid: true, amount: 1998, payment_intent: paymentIntent.id });
      expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
      expect(await rejectionOf(emulator.paySession(session.id))).toMatchObject({ message: expect.stringContaining('only an open session can be paid') });
    });

    it('completes an asynchronous payment unpaid, then succeeds it', async () => {
      const session = await createSession();

      await emulator.paySession(session.id, { async: true });
      const [completed] = receiver.events('checkout.session.completed', session.id);
      await emulator.succeedAsyncPayment(session.id);
      const [succeeded] = receiver.events('checkout.session.async_payment_succeeded', session.id);

      expect(dataObject<CheckoutSessionObject>(completed)).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
      expect(dataObject<CheckoutSessionObject>(succeeded)).toMatchObject({ status: 'complete', payment_status: 'paid' });
      expect((await stripe.paymentIntents.retrieve(String(dataObject<CheckoutSessionObject>(succeeded).payment_intent))).status).toBe('succeeded');
    });

    it('fails an asynchronous payment', async () => {
      const session = await createSession();
      await emulator.paySession(session.id, { async: true });

      await emulator.failAsyncPayment(session.id);

      const [failed] = receiver.events('checkout.session.async_payment_failed', session.id);
      expect(dataObject<CheckoutSessionObject>(failed).payment_status).toBe('unpaid');
      expect((await stripe.paymentIntents.retrieve(String(emulator.getSession(session.id)?.payment_intent))).status).toBe('requires_payment_method');
    });

    it('expires an open session through the API and refuses to expire it twice', async () => {
      const session = await createSession();

      const expired = await stripe.checkout.sessions.expire(session.id);
      await emulator.idle();

      expect(expired).toMatchObject({ status: 'expired', url: null });
      expect(dataObject<CheckoutSessionObject>(receiver.events('checkout.session.expired', session.id)[0]).status).toBe('expired');
      expect(await rejectionOf(stripe.checkout.sessions.expire(session.id))).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    });

    it('refunds in parts with a cumulative amount_refunded, refunded once nothing remains', async () => {
      const { paymentIntent, chargeId } = await paidSession();

      const partial = await stripe.refunds.create({ payment_intent: paymentIntent.id, amount: 500 });
      const tooMuch = await rejectionOf(stripe.refunds.create({ payment_intent: paymentIntent.id, amount: 1499 }));
      await emulator.idle();
      await emulator.refund(chargeId);
      const onceFullyRefunded = await rejectionOf(stripe.refunds.create({ charge: chargeId }));

      expect(partial).toMatchObject({ object: 'refund', amount: 500, charge: chargeId, payment_intent: paymentIntent.id, status: 'succeeded' });
      expect(tooMuch).toMatchObject({ statusCode: 400, param: 'amount', message: expect.stringContaining('greater than unrefunded amount') });
      const charges = receiver.events('charge.refunded', chargeId).map((event) => dataObject<ChargeObject>(event));
      expect(charges.map(({ amount_refunded, refunded }) => ({ amount_refunded, refunded }))).toEqual([
        { amount_refunded: 500, refunded: false },
        { amount_refunded: 1998, refunded: true },
      ]);
      expect(charges[1].refunds.data.map((refund) => refund.amount)).toEqual([1498, 500]);
      expect(onceFullyRefunded).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    });

    it('sends an early fraud warning for a charge once, and refunds with a reason, metadata and an idempotency key', async () => {
      const { paymentIntent, chargeId } = await paidSession();

      await emulator.earlyFraudWarning(paymentIntent.id);
      const warnings = receiver.events('radar.early_fraud_warning.created').map((event) => dataObject<EarlyFraudWarningObject>(event));
      const warning = warnings.find((candidate) => candidate.charge === chargeId)!;
      const again = await rejectionOf(emulator.earlyFraudWarning(chargeId));
      const request = { charge: chargeId, amount: 700, reason: 'fraudulent' as const, metadata: { early_fraud_warning: warning.id } };
      const refund = await stripe.refunds.create(request, { idempotencyKey: `efw-refund:${warning.id}` });
      const replayed = await stripe.refunds.create(request, { idempotencyKey: `efw-refund:${warning.id}` });
      await emulator.idle();

      expect(warning).toMatchObject({ object: 'radar.early_fraud_warning', charge: chargeId, payment_intent: paymentIntent.id, actionable: true, fraud_type: 'made_with_stolen_card' });
      expect(warning.id).toMatch(/^issfr_/);
      expect(await stripe.radar.earlyFraudWarnings.retrieve(warning.id)).toMatchObject({ id: warning.id, charge: chargeId });
      expect(again).toMatchObject({ status: 400, message: expect.stringContaining('already has an early fraud warning') });
      expect(refund).toMatchObject({ amount: 700, reason: 'fraudulent', metadata: { early_fraud_warning: warning.id } });
      expect(replayed.id).toBe(refund.id);
      expect(receiver.events('charge.refunded', chargeId).map((event) => dataObject<ChargeObject>(event).amount_refunded)).toEqual([700]);
    });

    it('opens a dispute, blocks refunds while it is open, and closes it as won', async () => {
      const { chargeId } = await paidSession();

      await emulator.createDispute(chargeId);
      const opened = dataObject<DisputeObject>(receiver.events('charge.dispute.created').find((event) => dataObject<DisputeObject>(event).charge === chargeId)!);
      const refundDuringDispute = await rejectionOf(emulator.refund(chargeId));
      await emulator.closeDispute(opened.id, 'won');

      expect(opened).toMatchObject({ object: 'dispute', charge: chargeId, amount: 1998, currency: 'eur', status: 'needs_response', reason: 'fraudulent' });
      expect(refundDuringDispute).toMatchObject({ code: 'charge_disputed' });
      expect(dataObject<DisputeObject>(receiver.events('charge.dispute.closed', opened.id)[0]).status).toBe('won');
      expect((await stripe.disputes.retrieve(opened.id)).status).toBe('won');
    });

    it('retries a failing endpoint with the same event until it answers 2xx', async () => {
      const session = await createSession();
      receiver.answerNext(500, 500);

      const [first] = await emulator.paySession(session.id);
      await emulator.idle();

      const attempts = emulator.deliveries().filter((delivery) => delivery.eventId === first.eventId);
      expect(first).toMatchObject({ attempt: 1, status: 500 });
      expect(attempts.map(({ attempt, status }) => ({ attempt, status }))).toEqual([
        { attempt: 1, status: 500 },
        { attempt: 2, status: 500 },
        { attempt: 3, status: 200 },
      ]);
      expect(receiver.events('checkout.session.completed', session.id).map((event) => event.id)).toEqual([first.eventId, first.eventId, first.eventId]);
    });

    it('gives up after the configured number of attempts', async () => {
      const session = await createSession();
      receiver.answerNext(503, 503, 503, 503, 503);

      const [first] = await emulator.paySession(session.id);
      await emulator.idle();

      const attempts = emulator.deliveries().filter((delivery) => delivery.eventId === first.eventId);
      expect(attempts.map((delivery) => delivery.status)).toEqual([503, 503, 503, 503, 503]);
    });

    it('redelivers an event with the same id and payload, freshly signed', async () => {
      const session = await createSession();
      const [original] = await emulator.paySession(session.id);

      const again = await emulator.redeliver(original.eventId);

      const copies = receiver.received.filter(({ event }) => event.id === original.eventId);
      expect(again).toMatchObject({ eventId: original.eventId, attempt: 1, status: 200 });
      expect(copies).toHaveLength(2);
      expect(copies[1].rawBody).toBe(copies[0].rawBody);
    });

    it('signs and delivers an arbitrary event, with signatures the SDK verifies', async () => {
      const delivery = await emulator.sendEvent('customer.created', { id: 'cus_123', object: 'customer' });
      const payload = JSON.stringify({ id: 'evt_manual', object: 'event' });
      const staleTimestamp = Math.floor(Date.now() / 1000) - 3600;

      expect(delivery.status).toBe(200);
      expect(receiver.events('customer.created', 'cus_123')).toHaveLength(1);
      expect(emulator.events().at(-1)).toMatchObject({ id: delivery.eventId, type: 'customer.created', api_version: '2026-10-28.endive' });
      expect(stripe.webhooks.constructEvent(payload, emulator.signPayload(payload), WEBHOOK_SECRET).id).toBe('evt_manual');
      expect(() => stripe.webhooks.constructEvent(payload, emulator.signPayload(payload, staleTimestamp), WEBHOOK_SECRET)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
    });
  });

  describe('hosted checkout page', () => {
    it('renders the amount and escapes the product name', async () => {
      const session = await createSession({
        line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: 999, product_data: { name: '<script>alert(1)</script>' } } }],
      });

      const response = await fetch(String(session.url));
      const page = await response.text();

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page).toContain('9,99 €');
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page).not.toContain('<script>');
      expect(page).toContain('no money moves');
    });

    it('pays on "Pay" and redirects 303 to the success URL with the session id', async () => {
      const session = await createSession();

      const response = await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' });

      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(`http://shop.test/profile-points/success?session_id=${session.id}`);
      expect(dataObject<CheckoutSessionObject>(receiver.events('checkout.session.completed', session.id)[0]).payment_status).toBe('paid');
      const paid = await fetch(String(session.url));
      expect(paid.status).toBe(200);
      expect(await paid.text()).toContain('The bank reports fraud (early fraud warning)');
      expect((await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' })).status).toBe(410);
    });

    it('plays the card\'s bank once paid: "The bank reports fraud" sends the early fraud warning, once', async () => {
      const session = await createSession();
      await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' });

      const reported = await fetch(`${session.url}/fraud-warning`, { method: 'POST', redirect: 'manual' });
      const after = await (await fetch(String(session.url))).text();
      const twice = await fetch(`${session.url}/fraud-warning`, { method: 'POST', redirect: 'manual' });

      expect(reported.status).toBe(303);
      expect(reported.headers.get('location')).toBe(session.url);
      const paymentIntent = emulator.getSession(session.id)!.payment_intent!;
      const warnings = receiver.events('radar.early_fraud_warning.created').map((event) => dataObject<EarlyFraudWarningObject>(event));
      expect(warnings.filter((warning) => warning.payment_intent === paymentIntent)).toHaveLength(1);
      expect(after).toContain('the early fraud warning was sent');
      expect(after).not.toContain('<button');
      expect(twice.status).toBe(410);
    });

    it('cancels on "Cancel": the session expires and the browser goes to the cancel URL', async () => {
      const session = await createSession();

      const response = await fetch(`${session.url}/cancel`, { method: 'POST', redirect: 'manual' });

      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(CANCEL_URL);
      expect(receiver.events('checkout.session.expired', session.id)).toHaveLength(1);
    });

    it('answers 404 for an unknown session', async () => {
      expect((await fetch(`${emulator.url}/c/pay/cs_test_unknown`)).status).toBe(404);
    });
  });

  describe('control endpoints', () => {
    it('pays asynchronously and succeeds over HTTP, answering with the deliveries', async () => {
      const session = await createSession();
      const post = (path: string, body?: unknown) =>
        fetch(`${emulator.url}/_emulator${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });

      const paid = await post(`/sessions/${session.id}/pay`, { async: true });
      const succeeded = await post(`/sessions/${session.id}/succeed-async`);

      expect(paid.status).toBe(200);
      expect(await paid.json()).toMatchObject({
        deliveries: [{ type: 'checkout.session.completed', attempt: 1, status: 200 }],
        events: [{ data: { object: { id: session.id, payment_status: 'unpaid' } } }],
      });
      expect(await succeeded.json()).toMatchObject({ deliveries: [{ type: 'checkout.session.async_payment_succeeded', status: 200 }] });
      expect(emulator.getSession(session.id)?.payment_status).toBe('paid');
    });

    it('answers errors in Stripe format', async () => {
      const response = await fetch(`${emulator.url}/_emulator/sessions/cs_test_missing/pay`, { method: 'POST' });

      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'resource_missing' } });
    });
  });

  it('records events without delivering them when no webhook URL is set', async () => {
    const silent = await StripeEmulator.start({ webhookSecret: WEBHOOK_SECRET });
    try {
      const client = new Stripe('sk_test_silent', { host: '127.0.0.1', port: silent.port, protocol: 'http', maxNetworkRetries: 0 });
      const session = await client.checkout.sessions.create(sessionParams());

      const deliveries = await silent.paySession(session.id);

      expect(deliveries).toEqual([]);
      expect(silent.events().map((event) => event.type)).toEqual(['checkout.session.completed']);
      await expect(silent.redeliver(silent.events()[0].id)).rejects.toThrow('No webhook URL is set');
    } finally {
      await silent.stop();
    }
  });

  it('expires open sessions once expires_at has passed', () => {
    let now = 1_700_000_000;
    const engine = new StripeEngine({ checkoutUrl: (id) => `http://emulator.test/c/pay/${id}`, clock: () => now });
    const session = engine.createCheckoutSession({
      lineItems: [{ name: 'Pack', currency: 'eur', unitAmount: 999, quantity: 1 }],
      paymentMethodTypes: ['card'],
      successUrl: SUCCESS_URL,
      cancelUrl: null,
      clientReferenceId: null,
      customerEmail: null,
      metadata: {},
      paymentIntentMetadata: {},
      expiresAt: now + 30 * 60,
      locale: null,
    });

    const early = engine.expireDueSessions();
    now += 30 * 60;
    const due = engine.expireDueSessions();

    expect(early).toEqual([]);
    expect(due.map((event) => [event.type, dataObject<CheckoutSessionObject>(event).id])).toEqual([['checkout.session.expired', session.id]]);
    expect(engine.session(session.id).status).toBe('expired');
  });
});
