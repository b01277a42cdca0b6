import Stripe from 'stripe';
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
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${sessionId}`, ...overrides } },
  });
  return { id, payload, signature: t.emulator.signPayload(payload) };
}

export async function deliver(t: TestApp, event: { payload: string; signature: string }): Promise<number> {
  const response = await fetch(`${t.url}/stripe/webhook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': event.signature },
    body: event.payload,
  });
  await response.arrayBuffer();
  return response.status;
}

export function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
