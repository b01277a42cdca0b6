import { randomUUID } from 'node:crypto';
import { Client, Notification } from 'pg';
import { CLAIM_LOCK_NAMESPACE, ClaimedEvent, OUTBOX_CHANNEL, OutboxRepository } from '../../src/events/outbox.repository';
import { useOwnerDatabase } from '../support/owner-database';
import { sleep, waitUntil } from '../support/wait';

interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  claimed_by: number | null;
  last_error: string | null;
  published: boolean;
  /** Seconds from now to available_at. */
  due_in: number;
}

/** Enough for every event a claim of this suite could meet in the run's shared database. */
const ANY_NUMBER = 100_000;

/**
 * The outbox's statements and the relay's session on the run's database. Other suites of the run may
 * have left events in the outbox: each test claims with room for all of them, looks only at its own
 * (by a type of its own), and when it ends frees what it claimed and deletes its own events, which
 * no relay of a later suite should meet.
 */
describe(OutboxRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: OutboxRepository;
  const sessions: Array<{ client: Client; token: number }> = [];
  const types: string[] = [];

  beforeAll(() => {
    sut = new OutboxRepository(owner.transactions, owner.db);
  });

  afterEach(async () => {
    for (const session of sessions.splice(0)) {
      await sut.releaseClaims(session.token);
      await session.client.end().catch(() => undefined);
    }
    await owner.db.query(`DELETE FROM outbox_events WHERE type = ANY($1::text[])`, [types.splice(0)]);
  });

  /** A type of the test's own, so that its events are told apart from any other suite's. */
  function ownType(): string {
    const type = `test.${randomUUID()}`;
    types.push(type);
    return type;
  }

  /** A relay session: a connection holding the advisory lock of its token and LISTENing. */
  async function relaySession(): Promise<{ client: Client; token: number; notifications: Notification[] }> {
    const client = sut.sessionClient();
    const notifications: Notification[] = [];
    client.on('notification', (notification) => notifications.push(notification));
    client.on('error', () => undefined);
    const token = await sut.openSession(client);
    sessions.push({ client, token });
    return { client, token, notifications };
  }

  /** Stores `count` events of a type of their own in one transaction; answers the type and their ids in order. */
  async function storeEvents(count: number): Promise<{ type: string; ids: string[] }> {
    const type = ownType();
    await owner.transactions.run(() => sut.store(Array.from({ length: count }, (_, n) => ({ type, payload: { n } }))));
    const rows = await rowsOf(type);
    return { type, ids: rows.map((row) => row.id) };
  }

  async function rowsOf(type: string): Promise<OutboxRow[]> {
    return owner.db.query<OutboxRow[]>(
      `SELECT id, type, payload, attempts, claimed_by, last_error, published_at IS NOT NULL AS published,
              extract(epoch FROM available_at - now())::float8 AS due_in
         FROM outbox_events WHERE type = $1 ORDER BY id`,
      [type],
    );
  }

  async function claimOwn(token: number, type: string): Promise<ClaimedEvent[]> {
    return (await sut.claim(token, ANY_NUMBER)).filter((event) => event.type === type);
  }

  describe('store', () => {
    it("writes the events in the caller's transaction, in order, and NOTIFYs the relays when it commits", async () => {
      const listener = await relaySession();
      const type = ownType();
      let seenBeforeCommit = -1;

      await owner.transactions.run(async () => {
        await sut.store([
          { type, payload: { n: 1, note: 'first' } },
          { type, payload: { n: 2 } },
        ]);
        await sleep(100);
        seenBeforeCommit = listener.notifications.length;
      });

      await waitUntil(() => Promise.resolve(listener.notifications.length > 0));
      expect(seenBeforeCommit).toBe(0);
      expect(listener.notifications.map((notification) => notification.channel)).toEqual([OUTBOX_CHANNEL]);
      const rows = await rowsOf(type);
      expect(rows.map((row) => [row.payload, row.attempts, row.claimed_by, row.published])).toEqual([
        [{ n: 1, note: 'first' }, 0, null, false],
        [{ n: 2 }, 0, null, false],
      ]);
      expect(rows.every((row) => row.due_in <= 0)).toBe(true);
    });

    it('stores nothing and NOTIFYs nobody when the transaction rolls back', async () => {
      const listener = await relaySession();
      const type = ownType();

      await expect(
        owner.transactions.run(async () => {
          await sut.store([{ type, payload: {} }]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');

      await sleep(200);
      expect(listener.notifications).toEqual([]);
      expect(await rowsOf(type)).toEqual([]);
    });
  });

  describe('openSession', () => {
    it('holds the advisory lock of a fresh token on its own connection, and LISTENs on the outbox channel', async () => {
      const [first, second] = [await relaySession(), await relaySession()];

      expect(first.token).not.toBe(second.token);
      for (const session of [first, second]) {
        expect(session.token).toBeGreaterThan(0);
        const [{ pid }] = (await session.client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows;
        const holders = await owner.db.query<Array<{ pid: number }>>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted`,
          [CLAIM_LOCK_NAMESPACE, session.token],
        );
        expect(holders).toEqual([{ pid }]);
        const channels = (await session.client.query<{ channel: string }>(`SELECT pg_listening_channels() AS channel`)).rows;
        expect(channels).toEqual([{ channel: OUTBOX_CHANNEL }]);
      }
    });
  });

  describe('claim', () => {
    it("takes the due events for the session's token, in id order, and counts the attempt", async () => {
      const relay = await relaySession();
      const { type, ids } = await storeEvents(3);

      const claimed = await claimOwn(relay.token, type);

      expect(claimed.map((event) => [event.id, event.type, event.payload, event.attempts])).toEqual(ids.map((id, n) => [id, type, { n }, 1]));
      expect(claimed.every((event) => /^[0-9a-f-]{36}$/.test(event.event_id))).toBe(true);
      const rows = await rowsOf(type);
      expect(rows.map((row) => row.claimed_by)).toEqual([relay.token, relay.token, relay.token]);
      // Held for the stale-claim time (5 minutes) unless published or freed before.
      expect(rows.every((row) => row.due_in > 290 && row.due_in <= 300)).toBe(true);
    });

    it("leaves a live session's claims to it, and hands a dead session's claims to the next claimer at once", async () => {
      const [first, second] = [await relaySession(), await relaySession()];
      const { type, ids } = await storeEvents(2);
      expect((await claimOwn(first.token, type)).map((event) => event.id)).toEqual(ids);

      expect(await claimOwn(second.token, type)).toEqual([]);

      await first.client.end();
      let taken: ClaimedEvent[] = [];
      await waitUntil(async () => (taken = await claimOwn(second.token, type)).length > 0, 2000);
      expect(taken.map((event) => [event.id, event.attempts])).toEqual(ids.map((id) => [id, 2]));
      expect((await rowsOf(type)).map((row) => row.claimed_by)).toEqual([second.token, second.token]);
    });

    it('does not take a free event before its retry time', async () => {
      const relay = await relaySession();
      const { type, ids } = await storeEvents(2);
      await owner.db.query(`UPDATE outbox_events SET available_at = now() + interval '1 minute' WHERE id = $1`, [ids[0]]);

      expect((await claimOwn(relay.token, type)).map((event) => event.id)).toEqual([ids[1]]);
    });

    it('takes at most `limit` events, the oldest first', async () => {
      const relay = await relaySession();
      const { ids } = await storeEvents(3);
      const due = (await sut.claim(relay.token, ANY_NUMBER)).length;
      await sut.releaseClaims(relay.token);

      const limited = (await sut.claim(relay.token, due - 1)).map((event) => event.id);

      expect(due).toBeGreaterThanOrEqual(ids.length);
      expect(limited).toHaveLength(due - 1);
      expect(limited).toEqual(expect.arrayContaining(ids.slice(0, 2)));
      expect(limited).not.toContain(ids[2]);
    });
  });

  describe('markPublished', () => {
    it('marks the events published, forgets their last error, and they are never claimed again', async () => {
      const relay = await relaySession();
      const { type, ids } = await storeEvents(3);
      await owner.db.query(`UPDATE outbox_events SET last_error = 'boom' WHERE id = $1`, [ids[0]]);
      await claimOwn(relay.token, type);

      await sut.markPublished([ids[0], ids[2]]);
      await sut.releaseClaims(relay.token);

      const rows = await rowsOf(type);
      expect(rows.map((row) => [row.published, row.last_error])).toEqual([
        [true, null],
        [false, null],
        [true, null],
      ]);
      expect((await claimOwn(relay.token, type)).map((event) => event.id)).toEqual([ids[1]]);
    });
  });

  describe('retryLater', () => {
    it('frees the event for a later attempt and keeps the first 2000 characters of the error', async () => {
      const relay = await relaySession();
      const { type, ids } = await storeEvents(2);
      await claimOwn(relay.token, type);

      await sut.retryLater(ids[0], 60, 'x'.repeat(3000));

      const [retried, untouched] = await rowsOf(type);
      expect([retried.claimed_by, retried.last_error?.length, retried.due_in > 55 && retried.due_in <= 60]).toEqual([null, 2000, true]);
      expect([untouched.claimed_by, untouched.last_error]).toEqual([relay.token, null]);
      await sut.releaseClaims(relay.token);
      expect((await claimOwn(relay.token, type)).map((event) => event.id)).toEqual([ids[1]]);
    });
  });

  describe('releaseClaims', () => {
    it("frees the token's unpublished claims, due at once, even while its session lives, and only those", async () => {
      const [first, second] = [await relaySession(), await relaySession()];
      const mine = await storeEvents(2);
      await claimOwn(first.token, mine.type);
      await sut.markPublished([mine.ids[1]]);
      const theirs = await storeEvents(1);
      await claimOwn(second.token, theirs.type);

      await sut.releaseClaims(first.token);

      expect((await rowsOf(mine.type)).map((row) => [row.claimed_by, row.due_in <= 0])).toEqual([
        [null, true],
        [first.token, false],
      ]);
      expect((await rowsOf(theirs.type)).map((row) => row.claimed_by)).toEqual([second.token]);
      expect((await claimOwn(second.token, mine.type)).map((event) => event.id)).toEqual([mine.ids[0]]);
    });
  });

  it('is open while the pool is', () => {
    expect(sut.isOpen).toBe(true);
  });
});
