import type { IncomingMessage } from 'node:http';
import { lastValueFrom, of } from 'rxjs';
import { ExecutionContext } from '@nestjs/common';
import { WebhookOutcomeInterceptor, webhookFactsOf } from './webhook-outcome.interceptor';

const request = (extra: object = {}) => ({ url: '/stripe/webhook', ...extra }) as unknown as IncomingMessage;
/** Fastify's request around the Node one: the guard sets `stripePayload` on the former, the log line reads the latter. */
const contextOf = (raw: IncomingMessage, stripePayload?: unknown) =>
  ({ getType: () => 'http', switchToHttp: () => ({ getRequest: () => ({ raw, stripePayload }) }) }) as unknown as ExecutionContext;

describe(webhookFactsOf.name, () => {
  it('reports the verified event and the outcome answered', async () => {
    const req = request();
    const event = { id: 'evt_1', type: 'checkout.session.completed' };
    await lastValueFrom(new WebhookOutcomeInterceptor().intercept(contextOf(req, event), { handle: () => of({ received: true, outcome: 'credited' }) }));
    expect(webhookFactsOf(req, 200)).toEqual({ eventId: 'evt_1', eventType: 'checkout.session.completed', outcome: 'credited' });
  });

  it('trusts nothing of a body whose signature was refused', () => {
    expect(webhookFactsOf(request(), 400)).toEqual({ eventType: 'unverified', outcome: 'invalid_signature' });
  });

  it('names a failure that Stripe will retry, and bounds the type label', () => {
    expect(webhookFactsOf(request({ stripePayload: { id: 'evt_2', type: 'charge.refunded' } }), 503)).toEqual({
      eventId: 'evt_2',
      eventType: 'charge.refunded',
      outcome: 'error',
    });
    expect(webhookFactsOf(request({ stripePayload: { type: 'Not A Type!'.repeat(20) } }), 500)).toEqual({ eventType: 'unknown', outcome: 'error' });
  });

  it('leaves other requests alone', async () => {
    const req = request();
    const answer = await lastValueFrom(new WebhookOutcomeInterceptor().intercept(contextOf(req), { handle: () => of({ outcome: 'x' }) }));
    expect(answer).toEqual({ outcome: 'x' });
    expect(Object.getOwnPropertySymbols(req)).toEqual([]);
  });
});
