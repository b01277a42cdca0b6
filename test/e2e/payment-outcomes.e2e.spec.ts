import { createScenario, createUser } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { api } from '../support/http';
import { buy, checkout, cutWebhooks, lastEvent, stateOf } from '../support/purchases';
import { deliver, signedSessionEvent } from '../support/webhooks';

describe('Every payment outcome (SPEC §7)', () => {
  const t = appWithBalancedLedger({ RECONCILE_INTERVAL_MS: '0' });

  async function outboxTypes(transactionId: string): Promise<string[]> {
    const rows = await t.db.query<Array<{ type: string }>>(`SELECT type FROM outbox_events WHERE payload->>'transactionId' = $1 ORDER BY id`, [transactionId]);
    return rows.map((row) => row.type);
  }

  it('waits on a completed but unpaid session, then credits when the async payment succeeds', async () => {
    const { profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '500');

    await t.emulator.paySession(sessionId, { async: true });
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'pending', moderatorPoints: 0, clientPoints: 0 });

    await t.emulator.succeedAsyncPayment(sessionId);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'completed', moderatorPoints: 500, clientPoints: 500 });
  });

  it('marks a failed async payment failed, credits nothing and tells the client', async () => {
    const { profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '100');

    await t.emulator.paySession(sessionId, { async: true });
    await t.emulator.failAsyncPayment(sessionId);

    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'failed', failureReason: 'async_payment_failed', moderatorPoints: 0, clientPoints: 0 });
    expect(await outboxTypes(transactionId)).toEqual(['payment.failed']);
  });

  it('marks an expired session expired', async () => {
    const { profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '100');

    await t.emulator.expireSession(sessionId);

    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'expired', moderatorPoints: 0 });
  });

  it.each([
    ['amount', { amount_total: 1 }, 'amount_mismatch'],
    ['currency', { currency: 'usd' }, 'currency_mismatch'],
  ])('never credits a session whose %s differs from its purchase', async (_label, overrides, reason) => {
    const { profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '500');
    const event = await signedSessionEvent(t, sessionId, 'checkout.session.completed', overrides);

    expect(await deliver(t, event)).toBe(200);

    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'failed', failureReason: reason, moderatorPoints: 0, clientPoints: 0 });
    const report = await api(t, (await adminToken()).token).get('/admin/reconciliation?mismatches=true&limit=100');
    const row = report.body.items.find((item: { id: string }) => item.id === transactionId);
    expect(row.flags).toEqual(['paid_but_not_credited']);
  });

  it('reverses two successive partial refunds in proportion, rounded in the platform favour, then the rest', async () => {
    const { profile, client } = await createScenario(t.db);
    const { transactionId, paymentIntentId } = await buy(t, client, profile.id, '500');

    await t.emulator.refund(paymentIntentId, 300);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'completed', refundedPoints: 151, moderatorPoints: 349, clientPoints: 349 });

    await t.emulator.refund(paymentIntentId, 300);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'completed', refundedPoints: 301, moderatorPoints: 199, clientPoints: 199 });

    await t.emulator.refund(paymentIntentId);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'refunded', refundedPoints: 500, moderatorPoints: 0, clientPoints: 0, received: 0 });
    expect(await outboxTypes(transactionId)).toEqual(['points.purchased', 'purchase.completed', 'points.reversed', 'points.reversed', 'points.reversed']);
  });

  it('applies a repeated or older refund event once', async () => {
    const { profile, client } = await createScenario(t.db);
    const { transactionId, paymentIntentId } = await buy(t, client, profile.id, '1000');
    await t.emulator.refund(paymentIntentId, 500);
    const first = lastEvent(t, 'charge.refunded', paymentIntentId);
    expect(await stateOf(t, transactionId)).toMatchObject({ refundedPoints: 295, moderatorPoints: 705 });
    await t.emulator.refund(paymentIntentId);

    await t.emulator.redeliver(first.id);
    const older = await t.emulator.sendEvent('charge.refunded', first.data.object as unknown as Record<string, unknown>);

    expect(older.status).toBe(200);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'refunded', refundedPoints: 1000, moderatorPoints: 0 });
  });

  it('records a negative balance when a refund takes back points already spent', async () => {
    const { profile, client } = await createScenario(t.db);
    const { transactionId, paymentIntentId } = await buy(t, client, profile.id, '100');
    const spend = await api(t, client.token)
      .post('/profile-points/spend')
      .send({ profile_id: profile.id, points: 80, reason: 'message', idempotency_key: `spend-${transactionId}` });
    expect(spend.body).toMatchObject({ points: 80, balance: 20 });

    await t.emulator.refund(paymentIntentId);

    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'refunded', clientPoints: -80, moderatorPoints: 0 });
    const page = await api(t, client.token).get(`/profile/${profile.id}/points`);
    expect(page.body.balance).toEqual({ points: -80, totalPointsReceived: 0 });
  });

  it('reverses a disputed purchase, flags it, and keeps it reversed when the dispute is lost', async () => {
    const { profile, client } = await createScenario(t.db);
    const { transactionId, chargeId } = await buy(t, client, profile.id, '500');

    await t.emulator.createDispute(chargeId);
    expect(await stateOf(t, transactionId)).toMatchObject({ disputeStatus: 'open', disputedPoints: 500, moderatorPoints: 0, clientPoints: 0 });

    const dispute = lastEvent(t, 'charge.dispute.created', chargeId).data.object as { id: string };
    await t.emulator.closeDispute(dispute.id, 'lost');
    expect(await stateOf(t, transactionId)).toMatchObject({ disputeStatus: 'lost', disputedPoints: 500, moderatorPoints: 0, clientPoints: 0 });
  });

  it('restores what a dispute reversed when the dispute is won, after an earlier partial refund', async () => {
    const { profile, client } = await createScenario(t.db);
    const { transactionId, paymentIntentId, chargeId } = await buy(t, client, profile.id, '1000');
    await t.emulator.refund(paymentIntentId, 849);
    expect(await stateOf(t, transactionId)).toMatchObject({ refundedPoints: 500, moderatorPoints: 500 });

    await t.emulator.createDispute(chargeId);
    expect(await stateOf(t, transactionId)).toMatchObject({ disputedPoints: 500, moderatorPoints: 0, clientPoints: 0 });
    const dispute = lastEvent(t, 'charge.dispute.created', chargeId).data.object as { id: string };
    await t.emulator.closeDispute(dispute.id, 'won');

    expect(await stateOf(t, transactionId)).toMatchObject({ disputeStatus: 'won', disputedPoints: 0, moderatorPoints: 500, clientPoints: 500, received: 500 });
    expect(await outboxTypes(transactionId)).toContain('points.restored');
  });

  it('answers 503 to a refund that overtakes its payment webhook, then applies both in order', async () => {
    const { profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '500');
    const cut = cutWebhooks(t);
    await t.emulator.paySession(sessionId);
    const paymentIntentId = t.emulator.getSession(sessionId)!.payment_intent!;
    await t.emulator.refund(paymentIntentId);
    await t.emulator.idle();
    cut.restore();

    const early = await t.emulator.redeliver(lastEvent(t, 'charge.refunded', paymentIntentId).id);
    expect(early.status).toBe(503);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'pending', moderatorPoints: 0 });

    expect((await t.emulator.redeliver(lastEvent(t, 'checkout.session.completed', sessionId).id)).status).toBe(200);
    expect((await t.emulator.redeliver(lastEvent(t, 'charge.refunded', paymentIntentId).id)).status).toBe(200);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'refunded', refundedPoints: 500, moderatorPoints: 0, clientPoints: 0 });
  });

  it('acknowledges and ignores event types it does not handle', async () => {
    const delivery = await t.emulator.sendEvent('customer.created', { id: 'cus_123', object: 'customer' });
    expect(delivery.status).toBe(200);
  });

  function adminToken() {
    return createUser(t.db, 'admin');
  }
});
