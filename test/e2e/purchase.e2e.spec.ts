import { io, Socket } from 'socket.io-client';
import { createScenario, createUser } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { api } from '../support/http';
import { pointsPurchasedPayload } from '../support/purchase-alerts';
import { checkout } from '../support/purchases';

describe('Purchase path (checkout → signed webhook → credit → alert)', () => {
  const t = appWithBalancedLedger();

  async function row(sql: string, params: unknown[]) {
    const [found] = await t.db.query<Array<Record<string, unknown>>>(sql, params);
    return found;
  }

  it('creates a real Checkout Session and a pending transaction', async () => {
    const { profile, client } = await createScenario(t.db);

    const { sessionId, url, transactionId } = await checkout(t, client, profile.id, '500');

    const session = await t.stripe.checkout.sessions.retrieve(sessionId);
    expect(session.amount_total).toBe(999);
    expect(session.currency).toBe('eur');
    expect(session.client_reference_id).toBe(transactionId);
    expect(session.metadata).toMatchObject({ points_amount: '500', client_id: client.id, profile_id: profile.id });
    expect(session.success_url).toBe('http://frontend.test/profile-points/success?session_id={CHECKOUT_SESSION_ID}');
    const items = await t.stripe.checkout.sessions.listLineItems(sessionId);
    expect(items.data[0].description).toBe('500 Points pour Sophie');
    expect(url).toBe(session.url);

    expect(await row(`SELECT status, points_amount, amount_cents, money_amount, currency, stripe_session_id FROM profile_point_transactions WHERE id = $1`, [transactionId])).toEqual({
      status: 'pending',
      points_amount: '500',
      amount_cents: '999',
      money_amount: '9.99',
      currency: 'eur',
      stripe_session_id: sessionId,
    });
  });

  it('credits the client, the interaction and the moderator once the signed webhook confirms payment, and alerts the moderator', async () => {
    const { moderator, profile, client } = await createScenario(t.db);
    const socket = await connect(moderator.token);
    const alert = nextEvent(socket, 'points.purchased');

    const { sessionId, transactionId } = await checkout(t, client, profile.id, '1000');
    const [delivery] = await t.emulator.paySession(sessionId);
    expect(delivery.status).toBe(200);

    const purchase = await row(`SELECT status, credited_at, moderator_id, stripe_payment_id FROM profile_point_transactions WHERE id = $1`, [transactionId]);
    expect(purchase.status).toBe('completed');
    expect(purchase.credited_at).toBeInstanceOf(Date);
    expect(purchase.moderator_id).toBe(moderator.id);
    expect(purchase.stripe_payment_id).toMatch(/^pi_/);
    expect(await row(`SELECT total_points_received, points_balance, moderator_id FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2`, [client.id, profile.id])).toEqual({
      total_points_received: '1000',
      points_balance: '1000',
      moderator_id: moderator.id,
    });
    expect((await row(`SELECT points FROM users WHERE id = $1`, [moderator.id])).points).toBe('1000');
    const transfers = await t.db.query<unknown[]>(`SELECT kind, debit_account, credit_account, points FROM ledger_transfers WHERE transaction_id = $1 ORDER BY id`, [transactionId]);
    expect(transfers).toEqual([
      expect.objectContaining({ kind: 'purchase', debit_account: 'stripe:sales', points: '1000' }),
      expect.objectContaining({ kind: 'attribution', debit_account: 'platform:earnings', credit_account: `moderator:${moderator.id}`, points: '1000' }),
    ]);

    await expect(alert).resolves.toEqual({
      id: expect.stringMatching(/^\d+$/),
      ...pointsPurchasedPayload({ transactionId, client, profile, moderator, points: 1000, amountCents: 1699, currency: 'eur', creditedAt: purchase.credited_at as Date }),
    });
    socket.disconnect();

    const success = await api(t, client.token).get(`/profile-points/success?session_id=${sessionId}`);
    expect(success.status).toBe(200);
    expect(success.body).toMatchObject({ id: transactionId, status: 'completed', points: 1000, amountCents: 1699 });
    const page = await api(t, client.token).get(`/profile/${profile.id}/points`);
    expect(page.body.balance).toEqual({ points: 1000, totalPointsReceived: 1000, promotionalPoints: 0, frozenPoints: 0, spendable: 1000 });
  });

  it("writes each pack's price in the request's language: ?lang=, else Accept-Language, else French", async () => {
    const { profile, client } = await createScenario(t.db);
    const priceOf = async (query: string, acceptLanguage?: string) => {
      const request = api(t, client.token).get(`/profile/${profile.id}/points${query}`);
      const page = await (acceptLanguage === undefined ? request : request.set('Accept-Language', acceptLanguage));
      expect(page.status).toBe(200);
      expect(page.headers.vary).toMatch(/Accept-Language/);
      return (page.body as { packs: Array<{ code: string; price: string }> }).packs.find((pack) => pack.code === '500')!.price;
    };

    await expect(priceOf('')).resolves.toBe('9,99 €');
    await expect(priceOf('', 'en-GB,en;q=0.9')).resolves.toBe('€9.99');
    await expect(priceOf('', 'fr-FR,fr;q=0.9,en;q=0.5')).resolves.toBe('9,99 €');
    await expect(priceOf('?lang=fr', 'en-US')).resolves.toBe('9,99 €');
    await expect(priceOf('?lang=en')).resolves.toBe('€9.99');
    expect((await api(t, client.token).get(`/profile/${profile.id}/points?lang=de`)).status).toBe(400);
  });

  it('credits once when the same event is delivered again', async () => {
    const { moderator, profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '100');
    await t.emulator.paySession(sessionId);
    const event = t.emulator.events().find((e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === sessionId)!;

    const again = await t.emulator.redeliver(event.id);

    expect(again.status).toBe(200);
    expect((await row(`SELECT points FROM users WHERE id = $1`, [moderator.id])).points).toBe('100');
    expect((await row(`SELECT count(*)::int AS n FROM ledger_transfers WHERE transaction_id = $1`, [transactionId])).n).toBe(2);
    expect((await row(`SELECT outcome FROM stripe_events WHERE id = $1`, [event.id])).outcome).toBe('credited');
  });

  it.each([
    ['missing', () => undefined],
    ['signed with another secret', (payload: string) => t.emulator.signPayload(payload).replace(/v1=\w+/, 'v1=' + 'a'.repeat(64))],
    ['stale (10 minutes old)', (payload: string) => t.emulator.signPayload(payload, Math.floor(Date.now() / 1000) - 600)],
  ])('refuses a webhook whose signature is %s with 400 and changes nothing', async (_label, sign) => {
    const { moderator, profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '100');
    const session = await t.stripe.checkout.sessions.retrieve(sessionId);
    const payload = JSON.stringify({
      id: `evt_forged_${transactionId}`,
      object: 'event',
      livemode: false,
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: { object: { ...session, status: 'complete', payment_status: 'paid' } },
    });
    const header = sign(payload);

    const request = api(t).post('/stripe/webhook').set('Content-Type', 'application/json');
    const response = await (header ? request.set('Stripe-Signature', header) : request).send(payload);

    expect(response.status).toBe(400);
    expect(response.body.error).toBe('INVALID_STRIPE_SIGNATURE');
    expect((await row(`SELECT status FROM profile_point_transactions WHERE id = $1`, [transactionId])).status).toBe('pending');
    expect((await row(`SELECT points FROM users WHERE id = $1`, [moderator.id])).points).toBe('0');
    expect((await row(`SELECT count(*)::int AS n FROM stripe_events WHERE id = $1`, [`evt_forged_${transactionId}`])).n).toBe(0);
  });

  it("never shows a client another client's purchases", async () => {
    const { profile, client } = await createScenario(t.db);
    const other = await createUser(t.db, 'client');
    const { sessionId } = await checkout(t, client, profile.id, '100');

    const own = await api(t, client.token).get('/profile-points/transactions/client');
    const theirs = await api(t, other.token).get('/profile-points/transactions/client');
    const byProfile = await api(t, other.token).get(`/profile-points/transactions/profile/${profile.id}`);
    const success = await api(t, other.token).get(`/profile-points/success?session_id=${sessionId}`);

    expect(own.body.items).toHaveLength(1);
    expect(theirs.body.items).toEqual([]);
    expect(byProfile.status).toBe(200);
    expect(byProfile.body.items).toEqual([]);
    expect(success.status).toBe(404);
  });

  function connect(token: string): Promise<Socket> {
    const socket = io(`${t.url}/notifications`, { auth: { token }, transports: ['websocket'], reconnection: false });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  function nextEvent(socket: Socket, event: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} within 1s`)), 1000);
      socket.once(event, (payload: unknown) => {
        clearTimeout(timer);
        resolve(payload);
      });
    });
  }
});
