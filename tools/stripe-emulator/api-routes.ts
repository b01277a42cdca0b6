import { StripeEngine } from './engine';
import { StripeApiError } from './errors';
import { CheckoutLineItemObject, CheckoutSessionObject, PaymentIntentObject, StripeEventObject, StripeListObject } from './objects';
import { ParamReader } from './params';
import { readCheckoutSessionInput, readExpand, readRefundInput } from './requests';
import { json, Router } from './router';
import { WebhookDispatcher } from './webhooks';

const MAX_LIST_LIMIT = 100;

/** The /v1 subset of Stripe's API. Requests authenticate and pass the idempotency layer before reaching these. */
export function apiRoutes(engine: StripeEngine, webhooks: WebhookDispatcher): Router {
  // Stripe answers an API call without waiting for the webhooks it triggers.
  const publishInBackground = (events: StripeEventObject[]): void => {
    webhooks.publish(events).catch(() => undefined);
  };
  return new Router()
    .on('POST', '/v1/checkout/sessions', ({ body }) => {
      const session = engine.createCheckoutSession(readCheckoutSessionInput(body));
      return json(expandSession(engine, session, readExpand(body)));
    })
    .on('GET', '/v1/checkout/sessions', ({ query }) => json(listSessions(engine, query)))
    .on('GET', '/v1/checkout/sessions/:id', ({ query }, { id }) => json(expandSession(engine, engine.session(id), readExpand(query))))
    .on('GET', '/v1/checkout/sessions/:id/line_items', (_, { id }) => json(lineItemList(id, engine.lineItems(id))))
    .on('POST', '/v1/checkout/sessions/:id/expire', ({ body }, { id }) => {
      publishInBackground(engine.expireSession(id));
      return json(expandSession(engine, engine.session(id), readExpand(body)));
    })
    .on('POST', '/v1/refunds', ({ body }) => {
      const { object, events } = engine.refund(readRefundInput(body));
      publishInBackground(events);
      return json(object);
    })
    .on('GET', '/v1/refunds/:id', (_, { id }) => json(engine.refundById(id)))
    .on('GET', '/v1/payment_intents/:id', ({ query }, { id }) => json(expandPaymentIntent(engine, engine.paymentIntent(id), readExpand(query))))
    .on('GET', '/v1/charges/:id', (_, { id }) => json(engine.charge(id)))
    .on('GET', '/v1/disputes/:id', (_, { id }) => json(engine.dispute(id)))
    .on('GET', '/v1/radar/early_fraud_warnings/:id', (_, { id }) => json(engine.earlyFraudWarningById(id)))
    .on('GET', '/v1/events/:id', (_, { id }) => json(engine.event(id)));
}

function listSessions(engine: StripeEngine, query: ParamReader): StripeListObject<CheckoutSessionObject> {
  const limit = query.positiveInteger('limit') ?? 10;
  if (limit > MAX_LIST_LIMIT) throw StripeApiError.invalid(`Invalid limit: must be at most ${MAX_LIST_LIMIT}`, 'limit');
  const created = query.object('created');
  const { data, hasMore } = engine.listSessions({
    limit,
    paymentIntent: query.string('payment_intent'),
    status: query.string('status'),
    createdFrom: created?.integer('gte'),
    createdUntil: created?.integer('lte'),
    startingAfter: query.string('starting_after'),
  });
  return { object: 'list', data, has_more: hasMore, url: '/v1/checkout/sessions' };
}

function lineItemList(sessionId: string, items: CheckoutLineItemObject[]): StripeListObject<CheckoutLineItemObject> {
  return { object: 'list', data: items, has_more: false, url: `/v1/checkout/sessions/${sessionId}/line_items` };
}

/** Supports the expansions this service may ask for; others are ignored rather than refused. */
function expandSession(engine: StripeEngine, session: CheckoutSessionObject, expand: string[]): Record<string, unknown> {
  const result: Record<string, unknown> = { ...session };
  const nested = expand.filter((path) => path.startsWith('payment_intent.')).map((path) => path.slice('payment_intent.'.length));
  if (session.payment_intent !== null && (expand.includes('payment_intent') || nested.length > 0)) {
    result.payment_intent = expandPaymentIntent(engine, engine.paymentIntent(session.payment_intent), nested);
  }
  if (expand.includes('line_items')) result.line_items = lineItemList(session.id, engine.lineItems(session.id));
  return result;
}

function expandPaymentIntent(engine: StripeEngine, paymentIntent: PaymentIntentObject, expand: string[]): Record<string, unknown> {
  const result: Record<string, unknown> = { ...paymentIntent };
  if (paymentIntent.latest_charge !== null && expand.includes('latest_charge')) {
    result.latest_charge = engine.charge(paymentIntent.latest_charge);
  }
  return result;
}
