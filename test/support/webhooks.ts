import Stripe from 'stripe';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { TestApp } from './test-app';

let counter = 0;

/** A Stripe event for a session as the emulator would send it, signed, ready to POST concurrently. */
export async function signedSessionEvent(
  t: TestApp,
  sessionId: string,
  type: 'checkout.session.completed' | 'checkout.session.async_payment_succeeded',
  overrides: Partial<Stripe.Checkout.Session> = {},
): Promise<{ id: string; payload: string; signature: string }> {
  const session = await t.stripe.checkout.sessions.retrieve(sessionId);
  const id = `evt_test_${Date.now()}_${++counter}`;
  const payload = JSON.stringify({
    id,
    object: 'event',
    livemode: false,
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${sessionId}`, ...overrides } },
  });
  return { id, payload, signature: t.emulator.signPayload(payload) };
}

/** The service's answer to a webhook delivery: its JSON object, or `{ text }` when it is not one. */
export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * POSTs `payload`, byte for byte, to the /stripe/webhook of `app` as Stripe does, with `signature` as
 * its Stripe-Signature header (none when undefined), and reads the answer.
 */
export async function postWebhook(app: { url: string }, payload: string, signature: string | undefined): Promise<WebhookAnswer> {
  const response = await fetch(`${app.url}/stripe/webhook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(signature !== undefined && { 'Stripe-Signature': signature }) },
    body: payload,
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

/**
 * Signs `payload` as `app`'s Stripe emulator does (with the webhook secret, at `timestamp` in seconds,
 * now by default) and POSTs it to `app`. `app` is a TestApp, or any instance with its emulator.
 */
export function sendSigned(app: { url: string; emulator: Pick<StripeEmulator, 'signPayload'> }, payload: string, timestamp?: number): Promise<WebhookAnswer> {
  return postWebhook(app, payload, app.emulator.signPayload(payload, timestamp));
}

/** POSTs an event signed beforehand (see signedSessionEvent), e.g. many at once; gives the status. */
export async function deliver(t: { url: string }, event: { payload: string; signature: string }): Promise<number> {
  return (await postWebhook(t, event.payload, event.signature)).status;
}

export function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
