import { TransactionRunner } from '../../src/database/transaction';
import { PurchaseSearchQueries } from '../../src/payments/purchase-search.queries';
import { createScenario, createUser, TestProfile, TestUser } from '../factories';
import { api } from '../support/http';
import { currentMonth } from '../support/payouts';
import { buy } from '../support/purchases';
import { startStreamingReplica, StreamingReplica } from '../support/streaming-replica';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

/**
 * DATABASE_READ_URL against a real hot standby streaming from the test's own primary. Replay held
 * on the standby makes every route show where it reads: a purchase committed meanwhile is on the
 * primary only.
 */
describe('Reads on a streaming replica (DATABASE_READ_URL)', () => {
  let cluster: StreamingReplica;
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  let client: TestUser;
  let profile: TestProfile;

  beforeAll(async () => {
    cluster = await startStreamingReplica();
    t = await startTestApp({ DATABASE_URL: cluster.primaryUrl, DATABASE_READ_URL: cluster.replicaUrl, RECONCILE_INTERVAL_MS: '0' });
    ({ moderator, profile, client } = await createScenario(t.db));
    admin = await createUser(t.db, 'admin');
    await cluster.caughtUp();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    delete process.env.DATABASE_READ_URL;
    await cluster?.destroy();
  }, 60_000);

  const history = async (user = client) => {
    const response = await api(t, user.token).get('/profile-points/transactions/client');
    expect(response.status).toBe(200);
    return (response.body.items as Array<{ id: string }>).map((item) => item.id);
  };
  const profileHistory = async () => {
    const response = await api(t, moderator.token).get(`/profile-points/transactions/profile/${profile.id}`);
    expect(response.status).toBe(200);
    return (response.body.items as Array<{ id: string }>).map((item) => item.id);
  };
  const notifications = async () => {
    const response = await api(t, moderator.token).get('/notifications');
    expect(response.status).toBe(200);
    return (response.body.items as unknown[]).length;
  };
  const adminSearch = async () => {
    const response = await api(t, admin.token).get(`/admin/transactions?client_id=${client.id}`);
    expect(response.status).toBe(200);
    return (response.body.items as Array<{ id: string }>).map((item) => item.id);
  };
  const csvExport = async () => {
    const response = await api(t, admin.token).get(`/admin/transactions.csv?client_id=${client.id}`);
    expect(response.status).toBe(200);
    return response.text;
  };
  const summaryPurchases = async () => {
    const response = await api(t, admin.token).get('/admin/summary');
    expect(response.status).toBe(200);
    return response.body.purchases as number;
  };
  const statementEarnings = async () => {
    const response = await api(t, moderator.token).get(`/moderators/me/statements/${currentMonth()}`);
    expect(response.status).toBe(200);
    return (response.body.lines as Array<{ kind: string }>).filter((line) => line.kind === 'earning').length;
  };

  it('serves histories, exports, reports and statements from the replica, and the success page and balances from the primary', async () => {
    expect(await history()).toEqual([]);
    await cluster.pauseReplay();

    const bought = await buy(t, client, profile.id);
    await t.drainOutbox();
    const [{ stored }] = await t.db.query<Array<{ stored: number }>>('SELECT count(*)::int AS stored FROM notifications WHERE user_id = $1', [moderator.id]);
    expect(stored).toBeGreaterThan(0);

    // Read-your-own-write routes: on the primary, the purchase shows at once.
    const success = await api(t, client.token).get(`/profile-points/success?session_id=${bought.sessionId}`);
    expect(success.status).toBe(200);
    expect(success.body).toMatchObject({ id: bought.transactionId, status: 'completed', points: 500 });
    const balance = await api(t, client.token).get(`/profile/${profile.id}/points`);
    expect(balance.status).toBe(200);
    expect(balance.body.balance.points).toBe(500);
    const moderatorPoints = await api(t, moderator.token).get('/moderators/me/points');
    expect(moderatorPoints.status).toBe(200);
    expect(moderatorPoints.body.balance).toBeGreaterThan(0);

    // Replica-served routes: the standby has not replayed the purchase yet.
    expect(await history()).toEqual([]);
    expect(await profileHistory()).toEqual([]);
    expect(await notifications()).toBe(0);
    expect(await adminSearch()).toEqual([]);
    expect(await csvExport()).not.toContain(bought.transactionId);
    expect(await summaryPurchases()).toBe(0);
    expect(await statementEarnings()).toBe(0);

    await cluster.resumeReplay();

    expect(await history()).toEqual([bought.transactionId]);
    expect(await profileHistory()).toEqual([bought.transactionId]);
    expect(await notifications()).toBe(stored);
    expect(await adminSearch()).toEqual([bought.transactionId]);
    expect(await csvExport()).toContain(bought.transactionId);
    expect(await summaryPurchases()).toBe(1);
    expect(await statementEarnings()).toBe(1);
  });

  it('reads on the primary inside a transaction, which must see what it and the latest commits wrote', async () => {
    const runner = t.app.get(TransactionRunner);
    const search = t.app.get(PurchaseSearchQueries);
    const ids = async () => (await search.find({ clientId: client.id }, undefined, 10)).map((row) => row.id);
    await cluster.pauseReplay();
    try {
      const bought = await buy(t, client, profile.id);
      expect(await runner.onReplica(ids)).not.toContain(bought.transactionId);
      expect(await runner.run(() => runner.onReplica(ids))).toContain(bought.transactionId);
    } finally {
      await cluster.resumeReplay();
    }
  });

  it('reports the replica up with its lag in readiness and metrics', async () => {
    const ready = await api(t).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.database).toMatchObject({ status: 'up' });
    expect(ready.body.details.replica).toEqual({ status: 'up', lagSeconds: expect.any(Number) });

    const metrics = await api(t).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^database_replica_lag_seconds \d+(\.\d+)?(e[-+]\d+)?$/m);
  });

  it('reads from the primary while the replica is down, and readiness says degraded but stays 200', async () => {
    await cluster.pauseReplay();
    const onlyOnPrimary = await buy(t, client, profile.id);
    await cluster.stopReplica();
    try {
      // Only the primary has this purchase: the history was read there, not refused.
      expect(await history()).toContain(onlyOnPrimary.transactionId);
      expect(await adminSearch()).toContain(onlyOnPrimary.transactionId);
      expect(await summaryPurchases()).toBe(3);

      const ready = await api(t).get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, replica: { status: 'degraded' } } });
      expect(ready.body.details.replica.message).toMatch(/read from the primary/);
    } finally {
      await cluster.startReplica();
    }

    // Back: it replays what it missed and readiness reports it up again.
    await cluster.caughtUp();
    await waitUntil(async () => (await api(t).get('/health/ready')).body.details.replica.status === 'up', 10_000);
  });

  it('without DATABASE_READ_URL reads everything from DATABASE_URL, and readiness and metrics name no replica', async () => {
    const primaryOnly = await startTestApp({ DATABASE_URL: cluster.primaryUrl, DATABASE_READ_URL: '', RECONCILE_INTERVAL_MS: '0' });
    await cluster.pauseReplay();
    try {
      const bought = await buy(primaryOnly, client, profile.id);
      const response = await api(primaryOnly, client.token).get('/profile-points/transactions/client');
      expect(response.status).toBe(200);
      expect((response.body.items as Array<{ id: string }>)[0].id).toBe(bought.transactionId);
      const summary = await api(primaryOnly, admin.token).get('/admin/summary');
      expect(summary.body.purchases).toBe(4);

      const ready = await api(primaryOnly).get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details).not.toHaveProperty('replica');
      expect((await api(primaryOnly).get('/metrics')).text).not.toContain('database_replica_lag_seconds');
    } finally {
      await primaryOnly.close();
      await cluster.resumeReplay();
    }
  });
});
