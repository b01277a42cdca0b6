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
  | { kind: 'spend'; points: number }
  | { kind: 'dispute'; pick: number }
  | { kind: 'close-dispute'; pick: number; won: boolean };

interface ModelPurchase {
  pack: keyof typeof PRICES;
  paymentIntentId: string;
  chargeId: string;
  sessionId: string;
  refundedCents: number;
  /** What the service reversed, mirrored: refunds are capped by what a dispute already took. */
  refundedPoints: number;
  disputedPoints: number;
  dispute: { id: string; status: 'open' | 'won' | 'lost' } | null;
}

interface Model {
  purchases: ModelPurchase[];
  spent: number;
}

const PRICES = { '100': 299, '500': 999, '1000': 1699 } as const;

const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('buy' as const), pack: fc.constantFrom('100' as const, '500' as const, '1000' as const) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), share: fc.integer({ min: 1, max: 100 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('spend' as const), points: fc.integer({ min: 1, max: 400 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('dispute' as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('close-dispute' as const), pick: fc.nat(), won: fc.boolean() }), weight: 2 },
);

/**
 * The moderator's money for a purchase, computed independently of the service: 30 % (the default
 * MODERATOR_SHARE_BPS) of what the client has paid so far, half up, in BigInt; nothing while a
 * dispute holds it or once it is lost.
 */
function expectedMoney(purchase: ModelPurchase): number {
  if (purchase.dispute && purchase.dispute.status !== 'won') return 0;
  const net = BigInt(PRICES[purchase.pack] - purchase.refundedCents);
  return Number((net * 3000n * 2n + 10_000n) / 20_000n);
}

/** The points a cumulative refund takes back, computed independently of the service (BigInt ceiling). */
function expectedReversal(points: number, paid: number, refunded: number): number {
  if (refunded >= paid) return points;
  const scaled = BigInt(points) * BigInt(refunded);
  return Number((scaled + BigInt(paid) - 1n) / BigInt(paid));
}

describe('Ledger property: any sequence of deliveries, duplicates, refunds, disputes and spends keeps balances and lots equal to the ledger', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('holds for random command sequences', async () => {
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 16 }), holds), { numRuns: 40, endOnFailure: true });
  }, 180_000);

  // Found by the property: 1,000 points for 16.99 €, refunded 13.93 €, 1.56 €, 1.18 € and then 0.01 €.
  // The last cent takes back no point (the earlier refunds' points were rounded up), but the client
  // has now paid 0.31 € instead of 0.32 €, so the moderator's 30 % falls from 0.10 € to 0.09 €.
  it('takes back the moderator\'s money for a refund too small to take back a point', async () => {
    await holds([
      { kind: 'buy', pack: '1000' },
      { kind: 'refund', pick: 0, share: 82 },
      { kind: 'refund', pick: 0, share: 51 },
      { kind: 'refund', pick: 0, share: 79 },
      { kind: 'refund', pick: 0, share: 4 },
    ]);
  }, 60_000);

  // 100 points for 2.99 €, refunded 2.93 €, 0.03 € and 0.01 €: the refunds, rounded up, took all
  // 100 points, yet 0.02 € is still paid, and the moderator keeps 0.01 € of it. A dispute then takes
  // that cent with no point to take; winning it gives the cent back with no point to give.
  it.each([true, false])('moves the money of a dispute on a purchase whose refunds took every point (won: %s)', async (won) => {
    await holds([
      { kind: 'buy', pack: '100' },
      { kind: 'refund', pick: 0, share: 98 },
      { kind: 'refund', pick: 0, share: 50 },
      { kind: 'refund', pick: 0, share: 34 },
      { kind: 'dispute', pick: 0 },
      { kind: 'close-dispute', pick: 0, won },
    ]);
  }, 60_000);

  /** Runs the commands for a new client, profile and moderator, then checks balances, lots and money against the model and the ledger. */
  async function holds(commands: Command[]): Promise<void> {
    const { moderator, client, profile } = await createScenario(t.db);
    const model: Model = { purchases: [], spent: 0 };

    for (const step of commands) await apply(step, client, profile.id, model);
    await t.emulator.idle();

    const bought = model.purchases.reduce((sum, p) => sum + Number(p.pack), 0);
    const reversed = model.purchases.reduce((sum, p) => sum + p.refundedPoints + p.disputedPoints, 0);
    const page = await api(t, client.token).get(`/profile/${profile.id}/points`);
    const [user] = await t.db.query<Array<{ points: string }>>(`SELECT points FROM users WHERE id = $1`, [moderator.id]);

    const balance = bought - reversed - model.spent;
    expect(page.body.balance).toEqual({
      points: balance,
      totalPointsReceived: bought - reversed,
      promotionalPoints: 0,
      frozenPoints: 0,
      spendable: Math.max(0, balance),
    });
    expect(Number(user.points)).toBe(bought - reversed);
    const [money] = await t.db.query<Array<{ cents: string | null }>>(
      `SELECT sum(CASE WHEN credit_account = $1 THEN money_cents ELSE -money_cents END) AS cents
         FROM ledger_transfers WHERE $1 IN (credit_account, debit_account) AND money_cents IS NOT NULL`,
      [`moderator:${moderator.id}`],
    );
    expect(Number(money.cents ?? 0)).toBe(model.purchases.reduce((sum, purchase) => sum + expectedMoney(purchase), 0));
    expect(await ledgerDrift(t.db)).toEqual([]);
  }

  async function apply(step: Command, client: TestUser, profileId: string, model: Model): Promise<void> {
    const purchase = model.purchases.length > 0 && 'pick' in step ? model.purchases[step.pick % model.purchases.length] : undefined;
    switch (step.kind) {
      case 'buy': {
        const bought = await buy(t, client, profileId, step.pack);
        model.purchases.push({
          pack: step.pack,
          paymentIntentId: bought.paymentIntentId,
          chargeId: bought.chargeId,
          sessionId: bought.sessionId,
          refundedCents: 0,
          refundedPoints: 0,
          disputedPoints: 0,
          dispute: null,
        });
        return;
      }
      case 'duplicate':
        if (purchase) await t.emulator.redeliver(lastEvent(t, 'checkout.session.completed', purchase.sessionId).id);
        return;
      case 'refund': {
        // Stripe refuses to refund a charge while it is charged back.
        if (!purchase || (purchase.dispute && purchase.dispute.status !== 'won')) return;
        const remaining = PRICES[purchase.pack] - purchase.refundedCents;
        if (remaining === 0) return;
        const amount = Math.max(1, Math.floor((remaining * step.share) / 100));
        await t.emulator.refund(purchase.paymentIntentId, amount);
        purchase.refundedCents += amount;
        const points = Number(purchase.pack);
        const due = expectedReversal(points, PRICES[purchase.pack], purchase.refundedCents) - purchase.refundedPoints;
        purchase.refundedPoints += Math.max(0, Math.min(due, points - purchase.refundedPoints - purchase.disputedPoints));
        if (step.share % 3 === 0) await t.emulator.redeliver(lastEvent(t, 'charge.refunded', purchase.paymentIntentId).id);
        return;
      }
      case 'spend': {
        const response = await api(t, client.token)
          .post('/profile-points/spend')
          .send({ profile_id: profileId, points: step.points, reason: 'message', idempotency_key: `p-${model.spent}-${step.points}-${Date.now()}` });
        if (response.status === 200) {
          model.spent += step.points;
          const allocated = (response.body.allocations as Array<{ points: number }>).reduce((sum, part) => sum + part.points, 0);
          expect(allocated).toBe(step.points);
        } else expect(response.body.error).toBe('INSUFFICIENT_POINTS');
        return;
      }
      case 'dispute': {
        if (!purchase || purchase.dispute || purchase.refundedCents === PRICES[purchase.pack]) return;
        await t.emulator.createDispute(purchase.chargeId);
        const dispute = lastEvent(t, 'charge.dispute.created', purchase.chargeId).data.object as { id: string };
        purchase.dispute = { id: dispute.id, status: 'open' };
        purchase.disputedPoints = Number(purchase.pack) - purchase.refundedPoints;
        return;
      }
      case 'close-dispute': {
        const open = model.purchases.filter((candidate) => candidate.dispute?.status === 'open');
        if (open.length === 0) return;
        const disputed = open[step.pick % open.length];
        await t.emulator.closeDispute(disputed.dispute!.id, step.won ? 'won' : 'lost');
        disputed.dispute!.status = step.won ? 'won' : 'lost';
        if (step.won) disputed.disputedPoints = 0;
        return;
      }
    }
  }
});
