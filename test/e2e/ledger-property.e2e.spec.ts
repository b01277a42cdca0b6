import fc from 'fast-check';
import { createScenario, TestUser } from '../factories';
import { api } from '../support/http';
import { ledgerDrift } from '../support/ledger';
import { buy, lastEvent } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';

type Command =
  | { kind: 'buy'; pack: '100' | '500' | '1000' }
  | { kind: 'duplicate'; pick: number }
  | { kind: 'refund'; pick: number; share: number }
  | { kind: 'spend'; points: number };

const PRICES = { '100': 299, '500': 999, '1000': 1699 } as const;

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('buy' as const), pack: fc.constantFrom('100' as const, '500' as const, '1000' as const) }),
  fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), share: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('spend' as const), points: fc.integer({ min: 1, max: 400 }) }),
);

/** The points a cumulative refund takes back, computed independently of the service (BigInt ceiling). */
function expectedReversal(points: number, paid: number, refunded: number): number {
  if (refunded >= paid) return points;
  const scaled = BigInt(points) * BigInt(refunded);
  return Number((scaled + BigInt(paid) - 1n) / BigInt(paid));
}

describe('Ledger property: any sequence of deliveries, duplicates, refunds and spends keeps balances equal to the ledger', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('holds for random command sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 10 }), async (commands) => {
        const { moderator, client, profile } = await createScenario(t.db);
        const model = { purchases: [] as Array<{ pack: keyof typeof PRICES; paymentIntentId: string; sessionId: string; refundedCents: number }>, spent: 0 };

        for (const step of commands) await apply(step, client, profile.id, model);
        await t.emulator.idle();

        const bought = model.purchases.reduce((sum, p) => sum + Number(p.pack), 0);
        const reversed = model.purchases.reduce((sum, p) => sum + expectedReversal(Number(p.pack), PRICES[p.pack], p.refundedCents), 0);
        const page = await api(t, client.token).get(`/profile/${profile.id}/points`);
        const [user] = await t.db.query<Array<{ points: string }>>(`SELECT points FROM users WHERE id = $1`, [moderator.id]);

        expect(page.body.balance).toEqual({ points: bought - reversed - model.spent, totalPointsReceived: bought - reversed });
        expect(Number(user.points)).toBe(bought - reversed);
        expect(await ledgerDrift(t.db)).toEqual([]);
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 180_000);

  async function apply(
    step: Command,
    client: TestUser,
    profileId: string,
    model: { purchases: Array<{ pack: keyof typeof PRICES; paymentIntentId: string; sessionId: string; refundedCents: number }>; spent: number },
  ): Promise<void> {
    const purchase = model.purchases.length > 0 && step.kind !== 'buy' && step.kind !== 'spend' ? model.purchases[step.pick % model.purchases.length] : undefined;
    switch (step.kind) {
      case 'buy': {
        const bought = await buy(t, client, profileId, step.pack);
        model.purchases.push({ pack: step.pack, paymentIntentId: bought.paymentIntentId, sessionId: bought.sessionId, refundedCents: 0 });
        return;
      }
      case 'duplicate':
        if (purchase) await t.emulator.redeliver(lastEvent(t, 'checkout.session.completed', purchase.sessionId).id);
        return;
      case 'refund': {
        if (!purchase) return;
        const remaining = PRICES[purchase.pack] - purchase.refundedCents;
        if (remaining === 0) return;
        const amount = Math.max(1, Math.floor((remaining * step.share) / 100));
        await t.emulator.refund(purchase.paymentIntentId, amount);
        purchase.refundedCents += amount;
        if (step.share % 3 === 0) await t.emulator.redeliver(lastEvent(t, 'charge.refunded', purchase.paymentIntentId).id);
        return;
      }
      case 'spend': {
        const response = await api(t, client.token)
          .post('/profile-points/spend')
          .send({ profile_id: profileId, points: step.points, reason: 'message', idempotency_key: `p-${model.spent}-${step.points}-${Date.now()}` });
        if (response.status === 200) model.spent += step.points;
        else expect(response.body.error).toBe('INSUFFICIENT_POINTS');
        return;
      }
    }
  }
});
