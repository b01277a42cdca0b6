import { createScenario, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { ledgerDrift } from '../support/ledger';
import { buy, lastEvent } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';

interface Entry {
  id: string;
  kind: string;
  points: number;
  transactionId: string | null;
  createdAt: string;
  maturesAt: string | null;
}

describe('Moderator earnings (GET /moderators/me/points)', () => {
  /** EARNINGS_MATURITY_DAYS=0: every earning is available at once. Purchases go through this one. */
  let t: TestApp;
  /** The default maturity of 14 days, on the same database: every fresh earning is pending. */
  let t14: TestApp;
  /** A second instance with the same settings as t14 (its own checkpoints in memory). */
  let t14b: TestApp;

  // Every instance lives as long as the suite: passport keeps the strategy of the last one started.
  beforeAll(async () => {
    t14 = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
    t14b = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
    t = await startTestApp({ EARNINGS_MATURITY_DAYS: '0', RECONCILE_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await t?.close();
    await t14b?.close();
    await t14?.close();
  });
  afterEach(async () => {
    expect(await ledgerDrift(t.db)).toEqual([]);
  });

  const earnings = (app: TestApp, user: TestUser, query = '') => api(app, user.token).get(`/moderators/me/points${query}`);

  /** Two purchases (500 and 1000 points) credited to the moderator, then 300 of the 999 cents of the first refunded. */
  async function earnedThenRefunded() {
    const { moderator, profile, client } = await createScenario(t.db);
    const first = await buy(t, client, profile.id, '500');
    const second = await buy(t, client, profile.id, '1000');
    await t.emulator.refund(first.paymentIntentId, 300); // ⌈500 × 300 / 999⌉ = 151 points taken back
    return { moderator, first, second };
  }

  it('with a maturity of 0 shows everything available, and the history newest first with signed points', async () => {
    const { moderator, first, second } = await earnedThenRefunded();

    const response = await earnings(t, moderator);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ balance: 1349, pending: 0, available: 1349, maturityDays: 0 });
    // 30 % of 9.99 − 3.00 = 6.99 € (209.7 → 2.10 €) and of 16.99 € (509.7 → 5.10 €): the money follows the points.
    expect(response.body.money).toEqual([{ currency: 'eur', pendingCents: 0, availableCents: 720, paidCents: 0, inPayoutCents: 0, frozenCents: 0 }]);
    const items = response.body.history.items as Entry[];
    expect(items.map(({ kind, points, transactionId }) => ({ kind, points, transactionId }))).toEqual([
      { kind: 'reversal', points: -151, transactionId: first.transactionId },
      { kind: 'attribution', points: 1000, transactionId: second.transactionId },
      { kind: 'attribution', points: 500, transactionId: first.transactionId },
    ]);
    expect(Number(items[0].id)).toBeGreaterThan(Number(items[1].id));
    expect(items[0].maturesAt).toBeNull();
    expect(items[1].maturesAt).toBe(items[1].createdAt);
    expect(response.body.history.nextCursor).toBeNull();
    const [user] = await t.db.query<Array<{ points: string }>>(`SELECT points FROM users WHERE id = $1`, [moderator.id]);
    expect(Number(user.points)).toBe(1349);
  });

  it('with the default maturity of 14 days keeps fresh earnings pending; the refund took from pending', async () => {
    const { moderator } = await earnedThenRefunded();

    const response = await earnings(t14, moderator);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ balance: 1349, pending: 1349, available: 0, maturityDays: 14 });
    expect(response.body.money).toEqual([{ currency: 'eur', pendingCents: 720, availableCents: 0, paidCents: 0, inPayoutCents: 0, frozenCents: 0 }]);
    const [newest, credit] = response.body.history.items as Entry[];
    expect(newest.maturesAt).toBeNull();
    expect(new Date(credit.maturesAt!).getTime() - new Date(credit.createdAt).getTime()).toBe(14 * 86_400_000);
  });

  it('takes a full refund from pending: nothing pending or available is left', async () => {
    const { moderator, profile, client } = await createScenario(t.db);
    const { paymentIntentId } = await buy(t, client, profile.id, '500');
    await t.emulator.refund(paymentIntentId);

    expect((await earnings(t14, moderator)).body).toMatchObject({ balance: 0, pending: 0, available: 0 });
    const items = (await earnings(t, moderator)).body.history.items as Entry[];
    expect(items.map((item) => [item.kind, item.points])).toEqual([
      ['reversal', -500],
      ['attribution', 500],
    ]);
  });

  it('leaves out of the points history a refund that took back money but no point; the statement shows its money', async () => {
    const { moderator, profile, client } = await createScenario(t.db);
    const { paymentIntentId, transactionId } = await buy(t, client, profile.id, '1000');
    // 16.99 € for 1,000 points: refunds to 16.67 € take back ⌈982.0⌉ = 982 points, one more cent takes back none.
    await t.emulator.refund(paymentIntentId, 1393);
    await t.emulator.refund(paymentIntentId, 156);
    await t.emulator.refund(paymentIntentId, 118);
    await t.emulator.refund(paymentIntentId, 1);
    // The last refund's event delivered again, five times at once: its money moves once.
    const last = lastEvent(t, 'charge.refunded', paymentIntentId).id;
    await Promise.all(Array.from({ length: 5 }, () => t.emulator.redeliver(last)));

    const response = await earnings(t, moderator);
    expect(response.body).toMatchObject({ balance: 18, available: 18 });
    // 30 % of the 0.31 € still paid: 0.09 €.
    expect(response.body.money).toEqual([{ currency: 'eur', pendingCents: 0, availableCents: 9, paidCents: 0, inPayoutCents: 0, frozenCents: 0 }]);
    const items = response.body.history.items as Entry[];
    expect(items.map((item) => item.points)).toEqual([-70, -92, -820, 1000]);

    const month = new Date().toISOString().slice(0, 7);
    const statement = await api(t, moderator.token).get(`/moderators/me/statements/${month}`);
    const lines = (statement.body.lines as Array<{ kind: string; transactionId: string; points: number; amountCents: number }>).filter(
      (line) => line.transactionId === transactionId,
    );
    expect(lines.map(({ kind, points, amountCents }) => [kind, points, amountCents])).toEqual([
      ['earning', 1000, 510],
      ['reversal', -820, -418],
      ['reversal', -92, -47],
      ['reversal', -70, -35],
      ['reversal', 0, -1],
    ]);
  });

  it('pages through the history with limit and cursor', async () => {
    const { moderator } = await earnedThenRefunded();
    const all = ((await earnings(t, moderator)).body.history.items as Entry[]).map((item) => item.id);

    const first = await earnings(t, moderator, '?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.history.items.map((item: Entry) => item.id)).toEqual(all.slice(0, 2));
    expect(first.body.history.nextCursor).toBe(all[1]);
    expect(first.body.balance).toBe(1349);

    const second = await earnings(t, moderator, `?limit=2&cursor=${first.body.history.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.history.items.map((item: Entry) => item.id)).toEqual(all.slice(2));
    expect(second.body.history.nextCursor).toBeNull();
    expect(second.body.balance).toBe(1349);
  });

  it('shows each moderator only its own earnings', async () => {
    await earnedThenRefunded();
    const other = await createUser(t.db, 'moderator');

    const response = await earnings(t, other);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ balance: 0, pending: 0, available: 0, maturityDays: 0, money: [], history: { items: [], nextCursor: null } });
  });

  it.each(['client', 'admin'] as const)('refuses a %s with 403', async (role) => {
    const user = await createUser(t.db, role);
    const response = await earnings(t, user);
    expect(response.status).toBe(403);
    expect(response.body.error).toBeDefined();
  });

  it('refuses an anonymous caller with 401', async () => {
    const response = await api(t).get('/moderators/me/points');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('UNAUTHORIZED');
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=abc', 'cursor=0', 'cursor=12345678901234567890'])(
    'refuses ?%s with 400 VALIDATION_FAILED',
    async (query) => {
      const moderator = await createUser(t.db, 'moderator');
      const response = await earnings(t, moderator, `?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('VALIDATION_FAILED');
    },
  );

  it('is documented with a named response schema', async () => {
    const { body } = await api(t).get('/docs-json');
    const operation = body.paths['/moderators/me/points'].get;
    expect(operation.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ModeratorPointsDto' });
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(JSON.stringify(body.components.schemas.ModeratorPointsDto.properties.history)).toContain('#/components/schemas/EarningsPageDto');
    expect(body.components.schemas.EarningsPageDto.properties.items.items).toEqual({ $ref: '#/components/schemas/EarningEntryDto' });
  });

  describe('checkpoints of the pending/available walk', () => {
    /**
     * `count` transfers of the moderator spread over the last `days` days up to now, written as a busy
     * history would be (a debit every 7th), with the cached balance kept equal to the ledger.
     */
    async function addTransfers(moderator: TestUser, count: number, days: number, label: string) {
      await t14.db.query(
        `INSERT INTO ledger_transfers (transfer_key, kind, debit_account, credit_account, points, created_at)
         SELECT 'checkpoint-test:' || $3 || ':' || $1 || ':' || g,
                CASE WHEN g % 7 = 0 THEN 'reversal' ELSE 'attribution' END,
                CASE WHEN g % 7 = 0 THEN 'moderator:' || $1 ELSE 'platform:earnings' END,
                CASE WHEN g % 7 = 0 THEN 'platform:earnings' ELSE 'moderator:' || $1 END,
                CASE WHEN g % 7 = 0 THEN 30 ELSE 10 + g % 13 END,
                now() - interval '1 day' * $4 + interval '1 day' * $4 * g / $2
           FROM generate_series(1, $2::int) g`,
        [moderator.id, count, label, days],
      );
      await t14.db.query(
        `UPDATE users SET points = (SELECT coalesce(sum(CASE WHEN credit_account = $2 THEN points ELSE -points END), 0)
                                      FROM ledger_transfers WHERE $2 IN (credit_account, debit_account))
          WHERE id = $1`,
        [moderator.id, `moderator:${moderator.id}`],
      );
    }

    /** 1500 earlier transfers of the moderator over the last 30 days. */
    async function busyModerator() {
      const { moderator, profile, client } = await createScenario(t14.db);
      await addTransfers(moderator, 1500, 30, 'busy');
      return { moderator, profile, client };
    }

    const checkpointOf = async (moderator: TestUser) =>
      (await t14.db.query<Array<{ upto_id: string; candidate_id: string | null }>>(`SELECT upto_id, candidate_id FROM earnings_checkpoints WHERE account = $1`, [
        `moderator:${moderator.id}`,
      ]))[0];

    /** What the walk of every transfer gives: the route's answer with no checkpoint to start from. */
    async function fullWalk(moderator: TestUser) {
      const saved = await t14.db.query<Array<Record<string, unknown>>>(`SELECT * FROM earnings_checkpoints WHERE account = $1`, [`moderator:${moderator.id}`]);
      await t14.db.query(`DELETE FROM earnings_checkpoints WHERE account = $1`, [`moderator:${moderator.id}`]);
      const response = await earnings(t14, moderator);
      await t14.db.query(`DELETE FROM earnings_checkpoints WHERE account = $1`, [`moderator:${moderator.id}`]);
      if (saved.length > 0) {
        const row = saved[0];
        await t14.db.query(
          `INSERT INTO earnings_checkpoints (account, maturity_us, upto_id, available, pending, candidate_id, candidate_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [row.account, row.maturity_us, row.upto_id, row.available, JSON.stringify(row.pending), row.candidate_id, row.candidate_at],
        );
      }
      return response.body as { balance: number; pending: number; available: number };
    }

    it('saves one after a long walk, and answers from it exactly what walking everything answers', async () => {
      const { moderator } = await busyModerator();

      const first = await earnings(t14, moderator);
      expect((await checkpointOf(moderator))?.upto_id).toBe('0'); // a candidate only: it must wait for older transactions
      const second = await earnings(t14, moderator);
      const checkpoint = await checkpointOf(moderator);
      expect(BigInt(checkpoint.upto_id)).toBeGreaterThan(0n);
      const third = await earnings(t14, moderator);

      const expected = await fullWalk(moderator);
      expect(expected.pending).toBeGreaterThan(0);
      expect(expected.available).toBeGreaterThan(0);
      for (const answer of [first, second, third]) {
        expect(answer.status).toBe(200);
        expect({ balance: answer.body.balance, pending: answer.body.pending, available: answer.body.available }).toEqual({
          balance: expected.balance,
          pending: expected.pending,
          available: expected.available,
        });
      }
    });

    it('goes on from a checkpoint with what came after it: a refund takes from credits pending before it', async () => {
      const { moderator, profile, client } = await busyModerator();
      await earnings(t14, moderator);
      await earnings(t14, moderator);
      expect(BigInt((await checkpointOf(moderator)).upto_id)).toBeGreaterThan(0n);
      const before = await earnings(t14, moderator);

      const bought = await buy(t14, client, profile.id, '100');
      await t14.emulator.refund(bought.paymentIntentId);
      await t14.emulator.refund((await buy(t14, client, profile.id, '500')).paymentIntentId, 999);
      const after = await earnings(t14, moderator);

      // Every credit since the checkpoint was refunded, so the debits beyond them came out of credits pending before it.
      expect(after.body.balance).toBe(before.body.balance);
      expect(after.body).toMatchObject(await fullWalk(moderator));
    });

    it('ignores a checkpoint taken for another maturity', async () => {
      const { moderator } = await busyModerator();
      await earnings(t14, moderator);
      await earnings(t14, moderator);
      await t14.db.query(`UPDATE earnings_checkpoints SET maturity_us = 1, available = 123456789 WHERE account = $1`, [`moderator:${moderator.id}`]);
      const answer = await earnings(t14, moderator);
      expect(answer.body).toMatchObject(await fullWalk(moderator));
    });

    it('waits before using a candidate while a transaction older than it is still open', async () => {
      const { moderator } = await busyModerator();
      const runner = t14.db.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        await runner.query(`SELECT 1`);
        await earnings(t14, moderator); // proposes a candidate
        await earnings(t14, moderator);
        // The open transaction started before the candidate and might still write an older id: no checkpoint yet.
        expect((await checkpointOf(moderator)).upto_id).toBe('0');
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
      await earnings(t14, moderator);
      expect(BigInt((await checkpointOf(moderator)).upto_id)).toBeGreaterThan(0n);
    });

    it('lists each history entry as the ledger stores it, to the millisecond, on every page', async () => {
      const { moderator } = await busyModerator();
      await earnings(t14, moderator);
      await earnings(t14, moderator); // from a checkpoint on

      const stored = await t14.db.query<Array<{ id: string; kind: string; points: string; transaction_id: string | null; created_at: Date; credit: boolean }>>(
        `SELECT id::text, kind, points::text, transaction_id::text, created_at, credit_account = $1 AS credit
           FROM ledger_transfers WHERE $1 IN (credit_account, debit_account) ORDER BY id DESC LIMIT 150`,
        [`moderator:${moderator.id}`],
      );
      const expected = stored.map((row) => {
        const points = row.credit ? Number(row.points) : -Number(row.points);
        return {
          id: row.id,
          kind: row.kind,
          points,
          transactionId: row.transaction_id,
          createdAt: row.created_at.toISOString(),
          maturesAt: points > 0 ? new Date(row.created_at.getTime() + 14 * 86_400_000).toISOString() : null,
        };
      });
      const first = await earnings(t14, moderator, '?limit=100');
      const second = await earnings(t14, moderator, `?limit=50&cursor=${first.body.history.nextCursor}`);
      expect([...first.body.history.items, ...second.body.history.items]).toEqual(expected);
      expect(first.body.history.nextCursor).toBe(expected[99].id);
      expect(second.body.history.nextCursor).toBe(expected[149].id);
    });

    it('answers from a newer checkpoint another instance saved, and from its own one until then', async () => {
      const { moderator } = await busyModerator();
      await earnings(t14, moderator);
      await earnings(t14, moderator);
      const own = BigInt((await checkpointOf(moderator)).upto_id);
      expect(own).toBeGreaterThan(0n);

      await addTransfers(moderator, 1200, 2, 'later');
      const resumed = await earnings(t14, moderator);
      expect(resumed.body).toMatchObject(await fullWalk(moderator));

      await earnings(t14b, moderator);
      await earnings(t14b, moderator);
      expect(BigInt((await checkpointOf(moderator)).upto_id)).toBeGreaterThan(own);

      const answer = await earnings(t14, moderator);
      expect(answer.body).toMatchObject(await fullWalk(moderator));
      expect(answer.body.pending).toBeGreaterThan(0);
    });

    it('reads balance, split and history from one snapshot while transfers commit', async () => {
      const { moderator } = await createScenario(t14.db);
      const account = `moderator:${moderator.id}`;
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing && i < 90; i++) {
          await t14.db.transaction(async (manager) => {
            await manager.query(
              `INSERT INTO ledger_transfers (transfer_key, kind, debit_account, credit_account, points) VALUES ($1, 'attribution', 'platform:earnings', $2, $3)`,
              [`snapshot-test:${moderator.id}:${i}`, account, 10 + i],
            );
            await manager.query(`UPDATE users SET points = points + $2 WHERE id = $1`, [moderator.id, 10 + i]);
          });
        }
      })();
      const answers = [];
      try {
        for (let round = 0; round < 15; round++) answers.push(...(await Promise.all([1, 2, 3].map(() => earnings(t14, moderator, '?limit=100')))));
      } finally {
        writing = false;
        await writer;
      }
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        const listed = (answer.body.history.items as Entry[]).reduce((sum, item) => sum + item.points, 0);
        expect({ balance: answer.body.balance, pending: answer.body.pending, available: answer.body.available }).toEqual({
          balance: listed,
          pending: listed,
          available: 0,
        });
      }
    });
  });
});
