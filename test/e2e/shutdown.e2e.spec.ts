import { once } from 'node:events';
import { connect } from 'node:net';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { createScenario, createUser, TestUser } from '../factories';
import { ChildApp, startChildApp } from '../support/child-process';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { NotificationsClient } from '../support/sockets';
import { TEST_WEBHOOK_SECRET, testServiceEnv } from '../support/test-app';
import { sleep, waitUntil } from '../support/wait';

const PACK_POINTS = 100;

interface SignedEvent {
  id: string;
  sessionId: string;
  payload: string;
}

type Answer = { kind: 'answered'; status: number; body: Record<string, unknown> } | { kind: 'no answer'; error: string };

/**
 * The service as its own process, stopped with SIGTERM in the middle of a stream of signed webhook
 * deliveries. What a delivery got decides what must be true of it: a 2xx means its effect is
 * committed; a 503 SHUTTING_DOWN (refused before any work) or no answer at all means Stripe sends
 * it again later, and then it applies exactly once.
 */
describe('Graceful shutdown (SIGTERM)', () => {
  let database: IsolatedDatabase;
  let emulator: StripeEmulator;
  const children: ChildApp[] = [];

  beforeAll(async () => {
    database = await createIsolatedDatabase('shutdown');
    emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET, retry: { attempts: 1, baseDelayMs: 50 } });
  });
  afterAll(async () => {
    try {
      for (const child of children) await child.kill();
      await emulator?.stop();
    } finally {
      await database?.drop();
    }
  });

  async function start(shutdownTimeoutMs: number): Promise<ChildApp> {
    const child = await startChildApp({
      ...testServiceEnv(database.url, emulator.url),
      RECONCILE_INTERVAL_MS: '0',
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    });
    children.push(child);
    emulator.setWebhookUrl(`${child.url}/stripe/webhook`);
    return child;
  }

  /** One purchase per client (a client may only have a few checkouts open), paid: the signed events Stripe would send. */
  async function paidSessionEvents(child: ChildApp, clients: TestUser[], profileId: string): Promise<SignedEvent[]> {
    const events: SignedEvent[] = [];
    for (const [i, client] of clients.entries()) {
      const response = await fetch(`${child.url}/profile-points/checkout`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ profile_id: profileId, pack: String(PACK_POINTS) }),
      });
      expect(response.status).toBe(201);
      const { sessionId } = (await response.json()) as { sessionId: string };
      const id = `evt_shutdown_${Date.now()}_${i}`;
      const session = emulator.getSession(sessionId)!;
      const payload = JSON.stringify({
        id,
        object: 'event',
        livemode: false,
        type: 'checkout.session.completed',
        created: Math.floor(Date.now() / 1000),
        data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${sessionId}` } },
      });
      events.push({ id, sessionId, payload });
    }
    return events;
  }

  async function deliver(url: string, event: SignedEvent): Promise<Answer> {
    try {
      const response = await fetch(`${url}/stripe/webhook`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': emulator.signPayload(event.payload) },
        body: event.payload,
      });
      return { kind: 'answered', status: response.status, body: (await response.json()) as Record<string, unknown> };
    } catch (error) {
      return { kind: 'no answer', error: String((error as Error & { cause?: Error }).cause?.message ?? error) };
    }
  }

  /** A delivery whose headers and half of whose body have arrived: received, and not answered until the rest comes. */
  async function holdDelivery(url: string, event: SignedEvent) {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    const body = Buffer.from(event.payload);
    const half = Math.floor(body.length / 2);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    const closed = once(socket, 'close');
    socket.write(
      `POST /stripe/webhook HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
        `Stripe-Signature: ${emulator.signPayload(event.payload)}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body.subarray(0, half));
    await sleep(200); // the server has parsed the headers: the request is in flight
    return {
      async finish(): Promise<{ status: number; body: Record<string, unknown> }> {
        socket.write(body.subarray(half));
        await closed;
        const [head, text] = received.split('\r\n\r\n');
        return { status: Number(head.split(' ')[1]), body: JSON.parse(text) as Record<string, unknown> };
      },
      abandon: () => socket.destroy(),
    };
  }

  async function outcomeOf(eventIds: string[]): Promise<Map<string, string>> {
    const rows = await database.db.query<Array<{ id: string; outcome: string }>>(`SELECT id, outcome FROM stripe_events WHERE id = ANY($1)`, [eventIds]);
    return new Map(rows.map((row) => [row.id, row.outcome]));
  }

  it('answers what it received, refuses what comes after, closes sockets, frees its claims and exits in time; the rest applies once later', async () => {
    const TIMEOUT_MS = 5000;
    const { moderator, profile, client } = await createScenario(database.db);
    const clients = [client];
    while (clients.length < 41) clients.push(await createUser(database.db, 'client'));
    const first = await start(TIMEOUT_MS);
    const events = await paidSessionEvents(first, clients, profile.id);
    const [held, ...stream] = events;

    const socket = await NotificationsClient.connect(first.url, { token: moderator.token });
    const disconnected = new Promise<void>((resolve) => socket.socket.once('disconnect', () => resolve()));
    const exited = once(first.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    // One delivery held in flight, then a stream of deliveries with SIGTERM in the middle.
    const holding = await holdDelivery(first.url, held);
    const answers = new Map<string, Promise<Answer>>();
    let signalledAt = 0;
    for (const [i, event] of stream.entries()) {
      answers.set(event.id, deliver(first.url, event));
      await sleep(5);
      if (i === stream.length / 2) {
        signalledAt = Date.now();
        first.process.kill('SIGTERM');
      }
    }

    // From the first moment: not ready, new work refused, still alive.
    await waitUntil(async () => (await fetch(`${first.url}/health/ready`)).status === 503, 2000);
    const ready = await fetch(`${first.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: 'SHUTTING_DOWN' });
    expect((await fetch(`${first.url}/health/live`)).status).toBe(200);
    const checkout = await fetch(`${first.url}/profile-points/checkout`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${client.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile_id: profile.id, pack: '100' }),
    });
    expect(checkout.status).toBe(503);
    expect(checkout.headers.get('retry-after')).toBe('1');

    // The delivery received before the signal (its body after) is answered, after its commit.
    const heldAnswer = await holding.finish();
    expect(heldAnswer).toMatchObject({ status: 200, body: { outcome: 'credited' } });
    // Then the sockets are closed, and the HTTP server.
    await disconnected;

    const [code, signal] = await exited;
    const shutdownMs = Date.now() - signalledAt;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(shutdownMs).toBeLessThan(TIMEOUT_MS);

    const settled = new Map<string, Answer>();
    for (const [id, answer] of answers) settled.set(id, await answer);
    const answered = [...settled].filter(([, answer]) => answer.kind === 'answered') as Array<[string, Extract<Answer, { kind: 'answered' }>]>;
    const ok = answered.filter(([, answer]) => answer.status === 200).map(([id]) => id);
    const refused = answered.filter(([, answer]) => answer.status === 503).map(([id]) => id);
    // Nothing else: a delivery either took effect, or was turned away before any work.
    expect(answered.filter(([, answer]) => answer.status !== 200 && answer.status !== 503)).toEqual([]);
    for (const [, answer] of answered) {
      expect(answer.body).toMatchObject(answer.status === 200 ? { outcome: 'credited' } : { error: 'SHUTTING_DOWN' });
    }
    expect(ok.length).toBeGreaterThan(0);
    expect(settled.size - ok.length).toBeGreaterThan(0);

    // Every 2xx is committed; no refused delivery started any work.
    const recorded = await outcomeOf(events.map((event) => event.id));
    for (const id of [held.id, ...ok]) expect({ id, outcome: recorded.get(id) }).toEqual({ id, outcome: 'credited' });
    for (const id of refused) expect({ id, recorded: recorded.has(id) }).toEqual({ id, recorded: false });

    // The relay freed whatever it had claimed: nothing waits for a lease to run out.
    const [{ held: claimed }] = await database.db.query<Array<{ held: number }>>(
      `SELECT count(*)::int AS held FROM outbox_events WHERE published_at IS NULL AND available_at > now()`,
    );
    expect(claimed).toBe(0);

    // Stripe retries what was not acknowledged: on the next instance each applies once.
    const second = await start(TIMEOUT_MS);
    const retried = events.filter((event) => event.id !== held.id && !ok.includes(event.id));
    for (const event of retried) {
      const answer = await deliver(second.url, event);
      expect(answer).toMatchObject({ kind: 'answered', status: 200 });
      if (answer.kind === 'answered') expect(['credited', 'duplicate']).toContain(answer.body.outcome);
    }
    const purchases = await database.db.query<Array<{ status: string; purchases: number }>>(
      `SELECT t.status, count(l.id)::int AS purchases
         FROM profile_point_transactions t
         LEFT JOIN ledger_transfers l ON l.transaction_id = t.id AND l.transfer_key = 'purchase:' || t.id
        WHERE t.stripe_session_id = ANY($1)
        GROUP BY t.id, t.status`,
      [events.map((event) => event.sessionId)],
    );
    expect(purchases).toHaveLength(events.length);
    expect(purchases.every((purchase) => purchase.status === 'completed' && purchase.purchases === 1)).toBe(true);
    const balances = await database.db.query<Array<{ balance: number }>>(
      `SELECT points_balance::int AS balance FROM profile_client_interactions WHERE client_id = ANY($1) AND profile_id = $2`,
      [clients.map((buyer) => buyer.id), profile.id],
    );
    expect(balances.map((row) => row.balance)).toEqual(clients.map(() => PACK_POINTS));
    expect(await ledgerDrift(database.db)).toEqual([]);
    await second.stop();
  });

  it('exits with code 1 once SHUTDOWN_TIMEOUT_MS has passed, even if a request never finishes', async () => {
    const TIMEOUT_MS = 1500;
    const { profile, client } = await createScenario(database.db);
    const child = await start(TIMEOUT_MS);
    const [event] = await paidSessionEvents(child, [client], profile.id);
    const exited = once(child.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    const holding = await holdDelivery(child.url, event); // never finished
    const signalledAt = Date.now();
    child.process.kill('SIGTERM');
    const [code] = await exited;
    const shutdownMs = Date.now() - signalledAt;
    holding.abandon();

    expect(code).toBe(1);
    expect(shutdownMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(shutdownMs).toBeLessThan(TIMEOUT_MS + 1500);
    expect(child.output().stdout + child.output().stderr).toContain(`shutdown did not finish within SHUTDOWN_TIMEOUT_MS=${TIMEOUT_MS}`);
    // The half-received delivery took no effect: Stripe sends it again.
    expect((await outcomeOf([event.id])).size).toBe(0);
  });
});
