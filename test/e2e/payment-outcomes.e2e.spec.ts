import { createProfile, createScenario, createUser } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { captureLogs } from '../support/captured-logs';
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
    const logs = captureLogs();
    const { profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '500');
    const event = await signedSessionEvent(t, sessionId, 'checkout.session.completed', overrides);

    expect(await deliver(t, event)).toBe(200);

    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'failed', failureReason: reason, moderatorPoints: 0, clientPoints: 0 });
    const report = await api(t, (await adminToken()).token).get('/admin/reconciliation?mismatches=true&limit=100');
    const row = report.body.items.find((item: { id: string }) => item.id === transactionId);
    expect(row.flags).toEqual(['paid_but_not_credited']);
    expect(logs.messages('error')).toContainEqual(expect.stringContaining(`ALERT ${reason}: transaction ${transactionId} expects 999 eur, session ${sessionId}`));
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
    expect(page.body.balance).toEqual({ points: -80, totalPointsReceived: 0, promotionalPoints: 0, frozenPoints: 0, spendable: 0 });
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

  describe('refunds and disputes in the orders Stripe produces', () => {
    /** A dispute event for the purchase's charge: the emulator cannot open an inquiry, which Stripe lets the merchant refund. */
    function dispute(id: string, charge: string, paymentIntent: string, status: string) {
      return { id, object: 'dispute', amount: 999, currency: 'eur', charge, payment_intent: paymentIntent, status, reason: 'general', created: Math.floor(Date.now() / 1000) };
    }

    it.each([
      ['in full', undefined, { status: 'refunded', refundedPoints: 500, clientPoints: 0, moderatorPoints: 0, received: 0 }],
      ['in part', 300, { status: 'completed', refundedPoints: 151, clientPoints: 349, moderatorPoints: 349, received: 349 }],
    ] as const)('an inquiry refunded %s while open, then closed: the refunded points are never given back', async (_, cents, expected) => {
      const { profile, client } = await createScenario(t.db);
      const { transactionId, paymentIntentId, chargeId } = await buy(t, client, profile.id, '500');
      const id = `du_inquiry_${transactionId}`;

      expect((await t.emulator.sendEvent('charge.dispute.created', dispute(id, chargeId, paymentIntentId, 'warning_needs_response'))).status).toBe(200);
      expect(await stateOf(t, transactionId)).toMatchObject({ disputeStatus: 'open', disputedPoints: 500, clientPoints: 0, moderatorPoints: 0 });
      await t.emulator.refund(paymentIntentId, cents);
      expect((await t.emulator.sendEvent('charge.dispute.closed', dispute(id, chargeId, paymentIntentId, 'warning_closed'))).status).toBe(200);

      expect(await stateOf(t, transactionId)).toMatchObject({ ...expected, disputeStatus: 'won', disputedPoints: 0 });
    });

    it("leaves the points refunded during an inquiry taken from the refunded purchase's own lot, not another purchase's", async () => {
      const { profile, client } = await createScenario(t.db);
      const first = await buy(t, client, profile.id, '500');
      const second = await buy(t, client, profile.id, '500');
      await api(t, client.token).post('/profile-points/spend').send({ profile_id: profile.id, points: 200, reason: 'message', idempotency_key: `lot-${first.transactionId}` }).expect(200);
      const lotOf = async (transactionId: string) =>
        (
          await t.db.query<Array<{ remaining: number; spent: number; taken: number }>>(
            `SELECT remaining::int, spent::int, taken::int FROM point_lots WHERE transaction_id = $1`,
            [transactionId],
          )
        )[0];
      const id = `du_inquiry_lots_${first.transactionId}`;

      await t.emulator.sendEvent('charge.dispute.created', dispute(id, first.chargeId, first.paymentIntentId, 'warning_needs_response'));
      // The inquiry took the first purchase's 300 unspent points, then 200 of the second's.
      expect([await lotOf(first.transactionId), await lotOf(second.transactionId)]).toEqual([
        { remaining: 0, spent: 200, taken: 300 },
        { remaining: 300, spent: 0, taken: 200 },
      ]);
      await t.emulator.refund(first.paymentIntentId, 300);
      await t.emulator.sendEvent('charge.dispute.closed', dispute(id, first.chargeId, first.paymentIntentId, 'warning_closed'));

      // As a plain refund of 151 points of the first purchase after the spend: its own lot gives them up.
      expect(await stateOf(t, first.transactionId)).toMatchObject({ refundedPoints: 151, disputedPoints: 0, clientPoints: 649 });
      expect([await lotOf(first.transactionId), await lotOf(second.transactionId)]).toEqual([
        { remaining: 149, spent: 200, taken: 151 },
        { remaining: 500, spent: 0, taken: 0 },
      ]);
    });

    it.each([
      ['won', { disputeStatus: 'won', disputedPoints: 0, clientPoints: 500, moderatorPoints: 500 }],
      ['lost', { disputeStatus: 'lost', disputedPoints: 500, clientPoints: 0, moderatorPoints: 0 }],
    ] as const)('a dispute closed as %s before its creation arrives ends as if they came in order', async (status, expected) => {
      const { profile, client } = await createScenario(t.db);
      const { transactionId, paymentIntentId, chargeId } = await buy(t, client, profile.id, '500');
      const id = `du_late_${transactionId}`;

      const closed = await t.emulator.sendEvent('charge.dispute.closed', dispute(id, chargeId, paymentIntentId, status));
      const created = await t.emulator.sendEvent('charge.dispute.created', dispute(id, chargeId, paymentIntentId, 'needs_response'));
      expect([closed.status, created.status]).toEqual([200, 200]);

      expect(await stateOf(t, transactionId)).toMatchObject(expected);
    });

    it('a held purchase disputed, a moderator assigned, the dispute won: the points go to that moderator, not back to the hold', async () => {
      const admin = await adminToken();
      const moderator = await createUser(t.db, 'moderator');
      const profile = await createProfile(t.db, null);
      const client = await createUser(t.db, 'client');
      const { transactionId, chargeId } = await buy(t, client, profile.id, '500');
      const [{ id: interactionId }] = await t.db.query<Array<{ id: string }>>(
        `SELECT id FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2`,
        [client.id, profile.id],
      );

      await t.emulator.createDispute(chargeId);
      const { id } = lastEvent(t, 'charge.dispute.created', chargeId).data.object as { id: string };
      await api(t, admin.token).put(`/interactions/${interactionId}/moderator`).send({ moderator_id: moderator.id }).expect(200);
      await t.emulator.closeDispute(id, 'won');

      const [interaction] = await t.db.query(
        `SELECT i.held_points::int AS held, i.points_balance::int AS balance, u.points::int AS earned, p.moderator_id AS "purchaseModerator"
           FROM profile_client_interactions i, users u, profile_point_transactions p WHERE i.id = $1 AND u.id = $2 AND p.id = $3`,
        [interactionId, moderator.id, transactionId],
      );
      expect(interaction).toEqual({ held: 0, balance: 500, earned: 500, purchaseModerator: moderator.id });
      const [lot] = await t.db.query(`SELECT moderator_id FROM point_lots WHERE transaction_id = $1`, [transactionId]);
      expect(lot).toEqual({ moderator_id: moderator.id });
    });
  });

  it('credits a checkout marked failed because its session never reached the service, once Stripe says it is paid', async () => {
    const { profile, client } = await createScenario(t.db);
    const { sessionId, transactionId } = await checkout(t, client, profile.id, '500');
    // What the checkout leaves when Stripe created the session but the call still failed (a timeout after Stripe answered).
    await t.db.query(
      `UPDATE profile_point_transactions SET status = 'failed', failure_reason = 'checkout_session_not_created', stripe_session_id = NULL WHERE id = $1`,
      [transactionId],
    );
    const [delivery] = await t.emulator.paySession(sessionId);
    expect(delivery.status).toBe(200);
    expect(await stateOf(t, transactionId)).toMatchObject({ status: 'completed', failureReason: null, clientPoints: 500, moderatorPoints: 500 });
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
