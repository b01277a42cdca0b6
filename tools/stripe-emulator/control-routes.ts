import { StripeEngine } from './engine';
import { StripeEventObject } from './objects';
import { json, JsonReply, Router } from './router';
import { WebhookDispatcher } from './webhooks';

/**
 * Unauthenticated controls under /_emulator for tests and local development. Each answers once the
 * first delivery attempt of the events it caused has been answered, with those deliveries and events.
 */
export function controlRoutes(engine: StripeEngine, webhooks: WebhookDispatcher): Router {
  const publish = async (events: StripeEventObject[]): Promise<JsonReply> => json({ deliveries: await webhooks.publish(events), events });
  return new Router()
    .on('GET', '/_emulator/health', () => json({ ok: true }))
    .on('POST', '/_emulator/sessions/:id/pay', ({ body }, { id }) => publish(engine.paySession(id, { async: body.boolean('async') ?? false })))
    .on('POST', '/_emulator/sessions/:id/succeed-async', (_, { id }) => publish(engine.succeedAsyncPayment(id)))
    .on('POST', '/_emulator/sessions/:id/fail-async', (_, { id }) => publish(engine.failAsyncPayment(id)))
    .on('POST', '/_emulator/sessions/:id/expire', (_, { id }) => publish(engine.expireSession(id)))
    .on('POST', '/_emulator/refunds', ({ body }) => {
      const input = { paymentIntent: body.string('payment_intent'), charge: body.string('charge'), amount: body.positiveInteger('amount') };
      return publish(engine.refund(input).events);
    })
    .on('POST', '/_emulator/charges/:id/dispute', (_, { id }) => publish(engine.createDispute(id).events))
    .on('POST', '/_emulator/charges/:id/early-fraud-warning', (_, { id }) => publish(engine.createEarlyFraudWarning(id).events))
    .on('POST', '/_emulator/disputes/:id/close', ({ body }, { id }) => publish(engine.closeDispute(id, body.requiredString('status')).events))
    .on('POST', '/_emulator/events/:id/redeliver', async (_, { id }) => {
      const event = engine.event(id);
      return json({ deliveries: [await webhooks.deliver(event)], events: [event] });
    })
    .on('GET', '/_emulator/events', () => json({ data: engine.events() }))
    .on('GET', '/_emulator/deliveries', () => json({ data: webhooks.deliveries() }));
}
