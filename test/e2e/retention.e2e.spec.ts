import { Client } from 'pg';
import { RetentionLockRepository, RETENTION_LOCK } from '../../src/retention/retention-lock.repository';
import { RetentionService } from '../../src/retention/retention.service';
import { createScenario, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { Bought, buy } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { report } from '../support/captured-logs';

/** One Prometheus sample line's value, by family and labels (0 when absent). */
function sampleOf(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] === name && wanted.every((pair) => (match[2] ?? '').split(',').includes(pair))) return Number(match[3]);
  }
  return 0;
}

const DAY = 86_400;

/** A session of the service seen waiting for a lock. */
interface Wait {
  pid: number;
  query: string;
  locktype: string;
  mode: string;
  notifyQueue: boolean;
  blockedByRetention: boolean;
}

/**
 * Retention (SPEC §13) on a database of its own: the rows it removes are counted exactly, and no
 * other suite's rows or sessions mix with the lock waits it samples.
 */
describe('Retention: old rows removed in small batches, never blocking the crediting path', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  let sut: RetentionService;
  let admin: TestUser;

  beforeAll(async () => {
    database = await createIsolatedDatabase('retention');
    t = await startTestApp({ DATABASE_URL: database.url, RECONCILE_INTERVAL_MS: '0' });
    sut = t.app.get(RetentionService);
    admin = await createUser(t.db, 'admin');
    // The run every instance makes as it starts, on the empty database, is over before the tests.
    await sut.run();
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  async function metrics(): Promise<string> {
    const response = await api(t).get('/metrics');
    expect(response.status).toBe(200);
    return response.text;
  }

  /** Rows of every kind, each named by a marker, aged `days` days back from now. */
  async function seed(prefix: string, userId: string): Promise<void> {
    const outbox = [
      ['published-8d', 8, true],
      ['published-9d', 9, true],
      ['published-10d', 10, true],
      ['published-6d', 6, true],
      ['pending-30d', 30, false],
    ] as const;
    for (const [marker, days, published] of outbox) {
      await t.db.query(
        `INSERT INTO outbox_events (type, payload, created_at, available_at, published_at)
         VALUES ('points.purchased', $1, now() - make_interval(days => $2), now() + interval '1 day',
                 CASE WHEN $3 THEN now() - make_interval(days => $2) END)`,
        [{ marker: `${prefix}${marker}` }, days, published],
      );
    }
    for (const [marker, days] of [
      ['36d', 36],
      ['40d', 40],
      ['34d', 34],
    ] as const) {
      await t.db.query(
        `INSERT INTO stripe_events (id, type, stripe_created_at, outcome, processed_at)
         VALUES ($1, 'checkout.session.completed', now() - make_interval(days => $2), 'credited', now() - make_interval(days => $2))`,
        [`evt_${prefix}${marker}`, days],
      );
    }
    for (const [marker, days, read] of [
      ['read-181d', 181, true],
      ['read-200d', 200, true],
      ['unread-400d', 400, false],
      ['read-179d', 179, true],
    ] as const) {
      await t.db.query(
        `INSERT INTO notifications (user_id, type, payload, event_id, created_at, read_at)
         VALUES ($1, 'payment.failed', $2, gen_random_uuid(), now() - make_interval(days => $3), CASE WHEN $4 THEN now() - make_interval(days => $3) END)`,
        [userId, { marker: `${prefix}${marker}` }, days, read],
      );
    }
    for (const [marker, days, status] of [
      ['delivered-8d', 8, 'delivered'],
      ['delivered-6d', 6, 'delivered'],
      ['failed-30d', 30, 'failed'],
      ['pending-30d', 30, 'pending'],
    ] as const) {
      const [event] = await t.db.query<Array<{ id: string }>>(
        `INSERT INTO platform_events (webhook_id, type, client_id, profile_id, body, status, tries, next_attempt_at, created_at, delivered_at)
         VALUES ($1, 'balance.changed', 1, 1, '{}', $2, 2, now() + interval '1 day', now() - make_interval(days => $3),
                 CASE WHEN $2 = 'delivered' THEN now() - make_interval(days => $3) END)
         RETURNING id`,
        [`${prefix}${marker}`, status, days],
      );
      await t.db.query(
        `INSERT INTO platform_event_attempts (event_id, attempted_at, duration_ms, outcome, status_code)
         VALUES ($1, now() - make_interval(days => $2), 12, 'error', NULL), ($1, now() - make_interval(days => $2), 8, $3, 200)`,
        [event.id, days, status === 'delivered' ? 'delivered' : 'rejected'],
      );
    }
  }

  /** Which of the seeded markers are still there, by table. */
  async function kept(prefix: string) {
    const like = `${prefix}%`;
    const rows = async (sql: string) => (await t.db.query<Array<{ marker: string }>>(sql, [like])).map((row) => row.marker.slice(prefix.length)).sort();
    return {
      outbox: await rows(`SELECT payload->>'marker' AS marker FROM outbox_events WHERE payload->>'marker' LIKE $1`),
      stripeEvents: await rows(`SELECT substr(id, 5) AS marker FROM stripe_events WHERE id LIKE 'evt_' || $1`),
      notifications: await rows(`SELECT payload->>'marker' AS marker FROM notifications WHERE payload->>'marker' LIKE $1`),
      platformEvents: await rows(`SELECT webhook_id AS marker FROM platform_events WHERE webhook_id LIKE $1`),
      platformAttempts: (
        await t.db.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM platform_event_attempts a JOIN platform_events e ON e.id = a.event_id WHERE e.webhook_id LIKE $1`,
          [like],
        )
      )[0].n,
    };
  }

  it('removes delivered, processed and read rows past their window, in batches, and keeps recent, pending, unread and failed ones, purchases and the ledger', async () => {
    const { client, profile } = await createScenario(t.db);
    const bought = await buy(t, client, profile.id, '500');
    // The purchase's own Stripe event id is old enough to go; the purchase and its ledger stay.
    const purchaseEvents = await t.db.query<[unknown[], number]>(
      `UPDATE stripe_events SET processed_at = now() - interval '50 days' WHERE transaction_id = $1 RETURNING id`,
      [bought.transactionId],
    );
    expect(purchaseEvents[0].length).toBeGreaterThan(0);
    await seed('a-', admin.id);
    const before = await kept('a-');
    expect(before.outbox).toHaveLength(5);
    expect(before.platformAttempts).toBe(8);

    const result = await sut.run({ batchSize: 2, pauseMs: 0 });

    expect(result.skipped).toBe(false);
    expect(await kept('a-')).toEqual({
      outbox: ['pending-30d', 'published-6d'],
      stripeEvents: ['34d'],
      notifications: ['read-179d', 'unread-400d'],
      platformEvents: ['delivered-6d', 'failed-30d', 'pending-30d'],
      platformAttempts: 6,
    });
    expect(result.removed).toEqual({ outbox_events: 3, stripe_events: 2 + purchaseEvents[0].length, notifications: 2, platform_events: 1, platform_event_attempts: 2 });
    // Two rows per statement: more than one statement for the outbox's three and Stripe's three.
    expect(result.batches).toBeGreaterThanOrEqual(4 + 2);
    const [purchase] = await t.db.query<Array<{ status: string; transfers: number }>>(
      `SELECT t.status, (SELECT count(*)::int FROM ledger_transfers l WHERE l.transaction_id = t.id) AS transfers
         FROM profile_point_transactions t WHERE t.id = $1`,
      [bought.transactionId],
    );
    expect(purchase).toEqual({ status: 'completed', transfers: 2 });
    expect(await t.db.query(`SELECT id FROM stripe_events WHERE transaction_id = $1`, [bought.transactionId])).toEqual([]);
    expect(await ledgerDrift(t.db)).toEqual([]);
  });

  it('shows in /metrics the rows removed by table, and the oldest row kept falling back inside its window', async () => {
    await seed('b-', admin.id);
    const before = await metrics();
    expect(sampleOf(before, 'retention_oldest_kept_seconds', { table: 'outbox_events' })).toBeGreaterThan(9 * DAY);
    expect(sampleOf(before, 'retention_oldest_kept_seconds', { table: 'stripe_events' })).toBeGreaterThan(39 * DAY);
    expect(sampleOf(before, 'retention_oldest_kept_seconds', { table: 'notifications' })).toBeGreaterThan(199 * DAY);
    expect(sampleOf(before, 'retention_oldest_kept_seconds', { table: 'platform_events' })).toBeGreaterThan(7 * DAY);
    expect(sampleOf(before, 'retention_window_seconds', { table: 'stripe_events' })).toBe(35 * DAY);

    const result = await sut.run();

    const after = await metrics();
    for (const table of ['outbox_events', 'stripe_events', 'notifications', 'platform_events', 'platform_event_attempts']) {
      expect([table, sampleOf(after, 'retention_rows_removed_total', { table }) - sampleOf(before, 'retention_rows_removed_total', { table })]).toEqual([
        table,
        result.removed[table],
      ]);
    }
    expect(result.removed).toEqual({ outbox_events: 3, stripe_events: 2, notifications: 2, platform_events: 1, platform_event_attempts: 2 });
    // What is kept now is the 6-day-old event, the 34-day-old id, the 179-day-old read notification.
    const windows = { outbox_events: 7, stripe_events: 35, notifications: 180, platform_events: 7 };
    for (const [table, days] of Object.entries(windows)) {
      const age = sampleOf(after, 'retention_oldest_kept_seconds', { table });
      expect([table, age < days * DAY, age > (days - 2) * DAY]).toEqual([table, true, true]);
    }
  });

  it('runs on one instance at a time: while another session holds the run lock, a run removes nothing', async () => {
    await seed('c-', admin.id);
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      const { rows } = await other.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [RETENTION_LOCK.namespace, RETENTION_LOCK.key]);
      expect(rows[0].locked).toBe(true);
      expect(await t.app.get(RetentionLockRepository).tryAcquire()).toBeNull();

      const skipped = await sut.run();

      expect(skipped).toEqual({ skipped: true, removed: {}, batches: 0 });
      expect((await kept('c-')).outbox).toHaveLength(5);
    } finally {
      await other.end();
    }
    const ran = await sut.run();
    expect(ran.skipped).toBe(false);
    expect((await kept('c-')).outbox).toEqual(['pending-30d', 'published-6d']);
  });

  it('survives the lock session being cut by the server: no uncaught error, the lock is free, the next run removes', async () => {
    await seed('d-', admin.id);
    const uncaught: Error[] = [];
    const record = (error: Error) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const held = await t.app.get(RetentionLockRepository).tryAcquire();
      expect(held).not.toBeNull();
      const [terminated] = await t.db.query<Array<{ count: number }>>(
        `SELECT count(pg_terminate_backend(pid))::int AS count FROM pg_stat_activity WHERE application_name = 'profile-points-retention' AND datname = current_database()`,
      );
      expect(terminated.count).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await held!.release().catch(() => undefined);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
    const ran = await sut.run();
    expect(ran.skipped).toBe(false);
    expect((await kept('d-')).outbox).toEqual(['pending-30d', 'published-6d']);
  });

  it('removes 300 000 old rows while purchases are credited through the webhook, none of them waiting on a lock, each credited once', async () => {
    const [{ id: anyUser }] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM users ORDER BY id LIMIT 1`);
    await t.db.query(
      `INSERT INTO stripe_events (id, type, stripe_created_at, outcome, processed_at)
       SELECT 'evt_bulk_' || g, 'checkout.session.completed', now() - interval '60 days', 'credited', now() - interval '60 days' - g * interval '1 second'
         FROM generate_series(1, 150000) g`,
    );
    await t.db.query(
      `INSERT INTO outbox_events (type, payload, created_at, published_at)
       SELECT 'points.purchased', jsonb_build_object('n', g), now() - interval '30 days', now() - interval '30 days' + g * interval '1 second'
         FROM generate_series(1, 100000) g`,
    );
    await t.db.query(
      `INSERT INTO notifications (user_id, type, payload, event_id, created_at, read_at)
       SELECT $1, 'payment.failed', jsonb_build_object('n', g), gen_random_uuid(), now() - interval '300 days' + g * interval '1 second', now() - interval '299 days'
         FROM generate_series(1, 50000) g`,
      [anyUser],
    );
    await t.db.query(`ANALYZE stripe_events, outbox_events, notifications`);

    // Samples every lock wait of the service's sessions (the pool: crediting, the relay, retention's
    // statements), with whether a retention statement blocks it. Concurrent commits that NOTIFY take
    // turns on PostgreSQL's notification queue lock (locktype object, pg_database, objid 0): a wait
    // among crediting transactions themselves, with or without retention, kept apart.
    const sampler = new Client({ connectionString: database.url, application_name: 'retention-test-sampler' });
    await sampler.connect();
    const waits: Wait[] = [];
    let samples = 0;
    let removing = true;
    const sampling = (async () => {
      while (removing) {
        const { rows } = await sampler.query<Wait>(
          `SELECT a.pid, left(a.query, 80) AS query, l.locktype, l.mode,
                  (l.locktype = 'object' AND l.classid = 'pg_database'::regclass AND l.objid = 0) AS "notifyQueue",
                  EXISTS (SELECT 1 FROM pg_stat_activity b
                           WHERE b.pid = ANY (pg_blocking_pids(a.pid))
                             AND (b.query ~ '^(DELETE FROM (outbox_events|stripe_events|notifications)|WITH doomed)'
                                  OR b.application_name = 'profile-points-retention')) AS "blockedByRetention"
             FROM pg_stat_activity a
             JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
            WHERE a.datname = current_database() AND a.application_name LIKE 'profile-points%'`,
        );
        waits.push(...rows);
        samples += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    // Four buyers, each on a moderator, profile and client of their own: no two purchases share a row.
    const buyers = await Promise.all(Array.from({ length: 4 }, () => createScenario(t.db)));
    const bought: Array<Bought & { moderatorId: string; during: boolean }> = [];
    const started = Date.now();
    const removal = sut.run().finally(() => (removing = false));
    await Promise.all(
      buyers.map(async ({ client, profile }) => {
        while (removing || bought.filter((purchase) => purchase.moderatorId === profile.moderatorId).length < 5) {
          const purchase = await buy(t, client, profile.id, '100');
          bought.push({ ...purchase, moderatorId: profile.moderatorId!, during: removing });
        }
      }),
    );
    const result = await removal;
    const elapsed = Date.now() - started;
    await sampling;
    await sampler.end();

    expect(result.removed).toMatchObject({ stripe_events: 150_000, outbox_events: 100_000, notifications: 50_000 });
    expect(result.batches).toBeGreaterThanOrEqual(300);
    expect(samples).toBeGreaterThan(50);
    expect(waits.filter((wait) => wait.blockedByRetention)).toEqual([]);
    // Crediting sessions also wait briefly on each other, with or without a removal: on the NOTIFY
    // queue at commit, and to extend a table both insert into. No row or table lock wait is allowed.
    expect(waits.filter((wait) => !wait.notifyQueue && wait.locktype !== 'extend')).toEqual([]);
    // Purchases were being credited all along the removal.
    expect(bought.filter((purchase) => purchase.during).length).toBeGreaterThanOrEqual(20);

    const ids = bought.map((purchase) => purchase.transactionId);
    const purchases = await t.db.query<Array<{ status: string; transfers: number }>>(
      `SELECT t.status, (SELECT count(*)::int FROM ledger_transfers l WHERE l.transaction_id = t.id) AS transfers
         FROM profile_point_transactions t WHERE t.id = ANY($1)`,
      [ids],
    );
    expect(purchases).toHaveLength(ids.length);
    expect(purchases.every((purchase) => purchase.status === 'completed' && purchase.transfers === 2)).toBe(true);
    const moderators = await t.db.query<Array<{ id: string; points: string }>>(`SELECT id, points FROM users WHERE id = ANY($1)`, [
      buyers.map((buyer) => buyer.moderator.id),
    ]);
    for (const moderator of moderators) {
      expect(Number(moderator.points)).toBe(100 * bought.filter((purchase) => purchase.moderatorId === moderator.id).length);
    }
    expect(await ledgerDrift(t.db)).toEqual([]);
    report(
      `retention: ${Object.values(result.removed).reduce((a, b) => a + b, 0)} rows in ${result.batches} statements, ${elapsed} ms; ` +
        `${bought.length} purchases credited (${bought.filter((purchase) => purchase.during).length} during the removal); ${samples} lock samples: ${waits.filter((wait) => wait.blockedByRetention).length} waits behind retention, ` +
        `${waits.filter((wait) => !wait.notifyQueue).length} on rows or tables, ${waits.filter((wait) => wait.notifyQueue).length} on the NOTIFY queue between commits`,
    );
  }, 90_000);
});
