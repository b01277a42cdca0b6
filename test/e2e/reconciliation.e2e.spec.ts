import { ReconciliationService } from '../../src/payments/reconciliation/reconciliation.service';
import { createScenario, createUser } from '../factories';
import { api } from '../support/http';
import { ledgerDrift } from '../support/ledger';
import { checkout, cutWebhooks, lastEvent, stateOf } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';

describe('Reconciliation: a missed webhook never loses a credit', () => {
  let t: TestApp;
  let reconciliation: ReconciliationService;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
    reconciliation = t.app.get(ReconciliationService);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await t.emulator.idle();
    expect(await ledgerDrift(t.db)).toEqual([]);
  });

  /** A purchase paid on Stripe whose webhook never reached the service. */
  async function paidWithoutWebhook() {
    const scenario = await createScenario(t.db);
    const purchase = await checkout(t, scenario.client, scenario.profile.id, '500');
    const cut = cutWebhooks(t);
    await t.emulator.paySession(purchase.sessionId);
    await t.emulator.idle();
    cut.restore();
    return { ...scenario, ...purchase };
  }

  it('credits a paid purchase whose webhook never arrived, exactly once', async () => {
    const { transactionId, sessionId } = await paidWithoutWebhook();
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'pending', moderatorPoints: 0 });

    const first = await reconciliation.reconcilePending(0);
    const second = await reconciliation.reconcilePending(0);
    const late = await t.emulator.redeliver(lastEvent(t, 'checkout.session.completed', sessionId).id);

    expect(first.outcomes.credited).toBeGreaterThanOrEqual(1);
    expect(second.outcomes.credited ?? 0).toBe(0);
    expect(late.status).toBe(200);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'completed', moderatorPoints: 500, clientPoints: 500 });
  });

  it('credits once when the webhook arrives while reconciliation runs', async () => {
    const purchases = await Promise.all(Array.from({ length: 6 }, () => paidWithoutWebhook()));

    await Promise.all([
      reconciliation.reconcilePending(0),
      ...purchases.map((purchase) => t.emulator.redeliver(lastEvent(t, 'checkout.session.completed', purchase.sessionId).id)),
    ]);

    for (const purchase of purchases) {
      expect(await stateOf(t, purchase.transactionId)).toMatchObject({ status: 'completed', moderatorPoints: 500, clientPoints: 500 });
      const transfers = await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ledger_transfers WHERE transaction_id = $1`, [purchase.transactionId]);
      expect(transfers[0].n).toBe(2);
    }
  });

  it('expires a purchase whose session expired without a webhook, and leaves open sessions alone', async () => {
    const { client, profile } = await createScenario(t.db);
    const expired = await checkout(t, client, profile.id, '100');
    const open = await checkout(t, client, profile.id, '100');
    const cut = cutWebhooks(t);
    await t.emulator.expireSession(expired.sessionId);
    await t.emulator.idle();
    cut.restore();

    await reconciliation.reconcilePending(0);

    expect((await stateOf(t, expired.transactionId)).status).toBe('expired');
    expect((await stateOf(t, open.transactionId)).status).toBe('pending');
  });

  it('lets the success page ask Stripe for its own pending purchase, never trusting the query string', async () => {
    const { client, transactionId, sessionId } = await paidWithoutWebhook();
    const stranger = await createUser(t.db, 'client');

    const theirs = await api(t, stranger.token).get(`/profile-points/success?session_id=${sessionId}`);
    expect(theirs.status).toBe(404);
    expect((await stateOf(t, transactionId)).status).toBe('pending');

    const own = await api(t, client.token).get(`/profile-points/success?session_id=${sessionId}`);
    expect(own.body).toMatchObject({ id: transactionId, status: 'completed' });
    expect(await stateOf(t, transactionId)).toMatchObject({ moderatorPoints: 500, clientPoints: 500 });
  });

  it('does not credit from the success page while Stripe says the session is unpaid', async () => {
    const { client, profile } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '100');

    const response = await api(t, client.token).get(`/profile-points/success?session_id=${sessionId}&payment_status=paid&status=complete`);

    expect(response.status).toBe(400);
    const plain = await api(t, client.token).get(`/profile-points/success?session_id=${sessionId}`);
    expect(plain.body.status).toBe('pending');
    expect((await stateOf(t, transactionId)).clientPoints).toBe(0);
  });

  it('reports money against points per purchase for admins only', async () => {
    const { transactionId } = await paidWithoutWebhook();
    const admin = await createUser(t.db, 'admin');
    const moderator = await createUser(t.db, 'moderator');

    const before = await api(t, admin.token).get('/admin/reconciliation?limit=100');
    const pendingRow = before.body.items.find((row: { id: string }) => row.id === transactionId);
    expect(pendingRow).toMatchObject({ status: 'pending', expectedPoints: 0, clientCredited: 0, moderatorCredited: 0, flags: [] });

    const run = await api(t, admin.token).post('/admin/reconciliation/run');
    expect(run.status).toBe(200);
    const after = await api(t, admin.token).get('/admin/reconciliation?limit=100');
    expect(after.body.items.find((row: { id: string }) => row.id === transactionId)).toMatchObject({
      status: 'completed',
      stripePaidCents: 999,
      expectedPoints: 500,
      clientCredited: 500,
      moderatorCredited: 500,
      flags: [],
    });
    expect((await api(t, moderator.token).get('/admin/reconciliation')).status).toBe(403);
    expect((await api(t, moderator.token).post('/admin/reconciliation/run')).status).toBe(403);
  });
});
