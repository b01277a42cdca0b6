import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { StripeEventsRepository } from '../../src/payments/webhook/stripe-events.repository';
import { createScenario } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';
import { waitUntil } from '../support/wait';


/**
 * The run's database is shared with the e2e suites: each test records its events in a transaction
 * that is rolled back, except the one whose transactions must really meet, which deletes its event.
 */
describe(StripeEventsRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: StripeEventsRepository;
  const committed: string[] = [];

  beforeAll(() => {
    sut = new StripeEventsRepository(owner.transactions);
  });

  afterEach(async () => {
    await owner.db.query(`DELETE FROM stripe_events WHERE id = ANY($1::text[])`, [committed.splice(0)]);
  });

  const eventId = () => `evt_${randomUUID().replaceAll('-', '')}`;
  const event = (id = eventId(), type = 'checkout.session.completed', created = 1_700_000_000) => ({ id, type, created });

  async function stored(ids: string[], sql: Pick<EntityManager, 'query'> = owner.db) {
    return sql.query<Array<{ id: string; type: string; stripe_created_at: Date; outcome: string; transaction_id: string | null }>>(
      `SELECT id, type, stripe_created_at, outcome, transaction_id FROM stripe_events WHERE id = ANY($1::text[]) ORDER BY id`,
      [ids],
    );
  }

  describe('recordNew', () => {
    it('inserts new events as processing and tells, per event, whether it was new; a repeated id is new once', async () => {
      await owner.rolledBack(async (sql) => {
        const known = event();
        await sut.recordNew([known]);
        const [a, b] = [event(eventId(), 'charge.refunded', 1_700_000_001), event()];

        const fresh = await sut.recordNew([a, known, b, a]);

        expect(fresh).toEqual([true, false, true, false]);
        expect(await stored([a.id, b.id], sql)).toEqual(
          [
            { id: a.id, type: 'charge.refunded', stripe_created_at: new Date(1_700_000_001_000), outcome: 'processing', transaction_id: null },
            { id: b.id, type: 'checkout.session.completed', stripe_created_at: new Date(1_700_000_000_000), outcome: 'processing', transaction_id: null },
          ].sort((x, y) => (x.id < y.id ? -1 : 1)),
        );
      });
    });

    it('keeps nothing of a transaction that rolls back: the event is new again', async () => {
      const e = event();
      await expect(
        owner.transactions.run(async () => {
          expect(await sut.recordNew([e])).toEqual([true]);
          throw new Error('effect failed');
        }),
      ).rejects.toThrow('effect failed');
      expect(await stored([e.id])).toEqual([]);
      await owner.rolledBack(async () => expect(await sut.recordNew([e])).toEqual([true]));
    });

    it('a concurrent duplicate waits for the first transaction, then finds the id taken', async () => {
      const e = event();
      committed.push(e.id);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let recorded!: () => void;
      const firstRecorded = new Promise<void>((resolve) => (recorded = resolve));
      const first = owner.transactions.run(async () => {
        const fresh = await sut.recordNew([e]);
        recorded();
        await held;
        return fresh;
      });
      await firstRecorded;

      let secondAnswered = false;
      const second = owner.transactions.run(() => sut.recordNew([e])).finally(() => (secondAnswered = true));
      await waitUntil(async () => {
        const [{ waiting }] = await owner.db.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO stripe_events%'`,
        );
        return waiting > 0;
      });
      expect(secondAnswered).toBe(false);

      release();
      expect(await first).toEqual([true]);
      expect(await second).toEqual([false]);
    });
  });

  describe('recordMalformed', () => {
    it('records the key once as malformed, with Stripe’s time when known, else now', async () => {
      await owner.rolledBack(async (sql) => {
        const [dated, undated] = [eventId(), `malformed:${randomUUID()}`];

        expect(await sut.recordMalformed(dated, 'charge.refunded', 1_700_000_002)).toBe(true);
        expect(await sut.recordMalformed(dated, 'charge.refunded', 1_700_000_002)).toBe(false);
        expect(await sut.recordMalformed(undated, '(none)', null)).toBe(true);

        const rows = await stored([dated, undated], sql);
        expect(rows.find((row) => row.id === dated)).toEqual({
          id: dated,
          type: 'charge.refunded',
          stripe_created_at: new Date(1_700_000_002_000),
          outcome: 'malformed',
          transaction_id: null,
        });
        const [{ now }] = await sql.query<Array<{ now: Date }>>(`SELECT now() AS now`);
        expect(rows.find((row) => row.id === undated)).toEqual({ id: undated, type: '(none)', stripe_created_at: now, outcome: 'malformed', transaction_id: null });
      });
    });

    it('finds an id recorded by recordNew taken', async () => {
      await owner.rolledBack(async (sql) => {
        const e = event();
        await sut.recordNew([e]);
        expect(await sut.recordMalformed(e.id, e.type, e.created)).toBe(false);
        expect((await stored([e.id], sql))[0].outcome).toBe('processing');
      });
    });
  });

  describe('saveOutcomes', () => {
    it('stores each event’s outcome and purchase in one statement, leaving other events alone', async () => {
      const { client, profile } = await createScenario(owner.db);
      await owner.rolledBack(async (sql) => {
        const [{ id: purchase }] = await sql.query<Array<{ id: string }>>(
          `INSERT INTO profile_point_transactions (client_id, profile_id, pack_code, points_amount, amount_cents, currency, status)
           VALUES ($1, $2, 'starter', 500, 999, 'eur', 'pending') RETURNING id`,
          [client.id, profile.id],
        );
        const [credited, unknown, untouched] = [event(), event(), event()];
        await sut.recordNew([credited, unknown, untouched]);
        await sut.saveOutcomes([
          { id: credited.id, outcome: 'credited', transactionId: purchase },
          { id: unknown.id, outcome: 'unknown_transaction', transactionId: null },
        ]);
        const rows = await stored([credited.id, unknown.id, untouched.id], sql);
        const byId = new Map(rows.map((row) => [row.id, { outcome: row.outcome, transactionId: row.transaction_id }]));
        expect(byId.get(credited.id)).toEqual({ outcome: 'credited', transactionId: purchase });
        expect(byId.get(unknown.id)).toEqual({ outcome: 'unknown_transaction', transactionId: null });
        expect(byId.get(untouched.id)).toEqual({ outcome: 'processing', transactionId: null });
        await expect(sut.saveOutcomes([])).resolves.toBeUndefined();
      });
    });
  });
});
