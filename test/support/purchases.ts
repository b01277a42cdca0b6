import Stripe from 'stripe';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { TestUser } from '../factories';
import { checkedFetch } from './http';
import { TestApp } from './test-app';

/** The answer of POST /profile-points/checkout. */
export interface Purchase {
  sessionId: string;
  /** The Stripe Checkout page to send the client to. */
  url: string;
  transactionId: string;
}

/**
 * POST /profile-points/checkout as `client`; fails unless it answers 201. `app` is anything served
 * at a URL: the in-process test app or a child process (test/support/child-process.ts). Sent with
 * fetch so that both go the same way; the answer is checked against the OpenAPI document.
 */
export async function checkout(app: { url: string }, client: Pick<TestUser, 'token'>, profileId: string, pack = '500'): Promise<Purchase> {
  const response = await checkedFetch(`${app.url}/profile-points/checkout`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ profile_id: profileId, pack }),
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`checkout answered ${response.status}: ${JSON.stringify(body)}`);
  return body as Purchase;
}

/**
 * Where a purchase can be made and paid: an instance of the service at `url` (a TestApp, or a child
 * process) and the Stripe emulator that sends its webhooks there, with an SDK client on that emulator.
 */
export interface PayingApp {
  url: string;
  emulator: StripeEmulator;
  stripe: Stripe;
}

/** A purchase bought with buy(): paid, credited by the payment's webhook. */
export interface Bought extends Purchase {
  paymentIntentId: string;
  chargeId: string;
  /** Date.now() as soon as the payment's webhook was answered (before the payment was read back). */
  paidAt: number;
}

/**
 * Checkout through `app`, then pay on its emulator: its signed webhook, sent to `app`, credits the
 * purchase. Fails unless the checkout answers 201 and the webhook 200.
 */
export async function buy(app: PayingApp, client: Pick<TestUser, 'token'>, profileId: string, pack = '500'): Promise<Bought> {
  const purchase = await checkout(app, client, profileId, pack);
  const [delivery] = await app.emulator.paySession(purchase.sessionId);
  if (delivery?.status !== 200) throw new Error(`payment webhook answered ${delivery?.status ?? 'nothing'}`);
  const paidAt = Date.now();
  return { ...purchase, ...(await paymentOf(app, purchase.sessionId)), paidAt };
}

export async function paymentOf(t: Pick<PayingApp, 'emulator' | 'stripe'>, sessionId: string): Promise<{ paymentIntentId: string; chargeId: string }> {
  const paymentIntentId = t.emulator.getSession(sessionId)!.payment_intent!;
  const paymentIntent = await t.stripe.paymentIntents.retrieve(paymentIntentId);
  return { paymentIntentId, chargeId: paymentIntent.latest_charge as string };
}

/** The last event of a type the emulator created for an object (session, charge, dispute). */
export function lastEvent(t: TestApp, type: string, objectId?: string) {
  const events = t.emulator.events().filter((event) => event.type === type && (!objectId || matches(event.data.object, objectId)));
  const event = events[events.length - 1];
  if (!event) throw new Error(`no ${type} event${objectId ? ` for ${objectId}` : ''}`);
  return event;
}

function matches(object: unknown, id: string): boolean {
  const candidate = object as { id?: string; charge?: string; payment_intent?: string };
  return candidate.id === id || candidate.charge === id || candidate.payment_intent === id;
}

/** Points and state of one purchase's three parties. */
export async function stateOf(t: TestApp, transactionId: string) {
  const [row] = await t.db.query<
    Array<{ status: string; refunded_points: string; disputed_points: string; dispute_status: string | null; failure_reason: string | null; moderator_points: string; client_points: string; received: string }>
  >(
    `SELECT t.status, t.refunded_points, t.disputed_points, t.dispute_status, t.failure_reason,
            coalesce(u.points, 0) AS moderator_points, coalesce(i.points_balance, 0) AS client_points,
            coalesce(i.total_points_received, 0) AS received
       FROM profile_point_transactions t
       LEFT JOIN profiles p ON p.id = t.profile_id
       LEFT JOIN users u ON u.id = p.moderator_id
       LEFT JOIN profile_client_interactions i ON i.client_id = t.client_id AND i.profile_id = t.profile_id
      WHERE t.id = $1`,
    [transactionId],
  );
  return {
    status: row.status,
    refundedPoints: Number(row.refunded_points),
    disputedPoints: Number(row.disputed_points),
    disputeStatus: row.dispute_status,
    failureReason: row.failure_reason,
    moderatorPoints: Number(row.moderator_points),
    clientPoints: Number(row.client_points),
    received: Number(row.received),
  };
}

/** Points the webhook never reaches: deliveries fail until `restore()`. */
export function cutWebhooks(t: TestApp): { restore(): void } {
  t.emulator.setWebhookUrl('http://127.0.0.1:1/unreachable');
  return { restore: () => t.emulator.setWebhookUrl(`${t.url}/stripe/webhook`) };
}
