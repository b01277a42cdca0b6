import { OutboxQueries } from '../../src/events/outbox.queries';
import { ScrapedFigures } from '../../src/observability/scraped-figures';
import { createScenario } from '../factories';
import { captureLogs } from '../support/captured-logs';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { buy, checkout, lastEvent } from '../support/purchases';
import { NotificationsClient } from '../support/sockets';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { deliver, signedSessionEvent } from '../support/webhooks';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as much of it as these tests read: one sample per line. */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The sum of a family's samples whose labels include `labels`. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/**
 * On a database of its own, so that the gauges read from SQL (outbox backlog, reconciliation
 * mismatches) are exact, and on an app of its own, so that the counters start at zero.
 */
describe('GET /metrics', () => {
  let database: IsolatedDatabase;
  let t: TestApp;

  async function scrape(): Promise<Sample[]> {
    const response = await api(t).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(response.text);
  }

  beforeAll(async () => {
    database = await createIsolatedDatabase('metrics');
    t = await startTestApp({ DATABASE_URL: database.url, RECONCILE_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('exposes every family of SPEC §9 and the default process metrics', async () => {
    const response = await api(t).get('/metrics');
    const names = new Set([...response.text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
    for (const family of [
      'http_request_duration_seconds',
      'outbox_pending_events',
      'outbox_oldest_pending_age_seconds',
      'socket_connections',
      'reconciliation_mismatches',
      'points_credited_total',
      'points_spent_total',
      'stripe_webhook_events_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect({ family, exposed: names.has(family) }).toEqual({ family, exposed: true });
    }
  });

  it('moves the counters with a purchase, a duplicate delivery, a refund and a spend', async () => {
    const { profile, client } = await createScenario(t.db);
    const before = await scrape();
    const webhooks = (samples: Sample[], type: string, outcome: string) => valueOf(samples, 'stripe_webhook_events_total', { type, outcome });

    const { sessionId, paymentIntentId } = await buy(t, client, profile.id, '500');
    const afterPurchase = await scrape();
    expect(valueOf(afterPurchase, 'points_credited_total') - valueOf(before, 'points_credited_total')).toBe(500);
    expect(webhooks(afterPurchase, 'checkout.session.completed', 'credited') - webhooks(before, 'checkout.session.completed', 'credited')).toBe(1);

    // The same event again: answered "duplicate", credits nothing more.
    expect((await t.emulator.redeliver(lastEvent(t, 'checkout.session.completed', sessionId).id)).status).toBe(200);
    const afterDuplicate = await scrape();
    expect(webhooks(afterDuplicate, 'checkout.session.completed', 'duplicate')).toBe(1);
    expect(valueOf(afterDuplicate, 'points_credited_total')).toBe(valueOf(afterPurchase, 'points_credited_total'));

    const [refund] = await t.emulator.refund(paymentIntentId);
    expect(refund.status).toBe(200);
    const afterRefund = await scrape();
    expect(webhooks(afterRefund, 'charge.refunded', 'refunded')).toBe(1);

    // A second purchase to spend from (the first was refunded).
    await buy(t, client, profile.id, '100');
    const spend = { profile_id: profile.id, points: 30, reason: 'message', idempotency_key: `metrics-${Date.now()}` };
    expect((await api(t, client.token).post('/profile-points/spend').send(spend)).status).toBe(200);
    const afterSpend = await scrape();
    expect(valueOf(afterSpend, 'points_spent_total') - valueOf(afterRefund, 'points_spent_total')).toBe(30);

    // The same idempotency key spends once, and is counted once.
    const replay = await api(t, client.token).post('/profile-points/spend').send(spend);
    expect(replay.body).toMatchObject({ replayed: true });
    expect(valueOf(await scrape(), 'points_spent_total')).toBe(valueOf(afterSpend, 'points_spent_total'));
  });

  it('counts refused webhook deliveries by why they were refused, without trusting their body', async () => {
    const payload = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'forged.type', data: { object: {} } });
    expect(await deliver(t, { payload, signature: 't=1,v1=00' })).toBe(400);
    const samples = await scrape();
    expect(valueOf(samples, 'stripe_webhook_events_total', { type: 'unverified', outcome: 'invalid_signature' })).toBe(1);
    expect(samples.some((sample) => sample.labels.type === 'forged.type')).toBe(false);
  });

  it('labels requests with the route template, never with ids from the URL', async () => {
    const { client } = await createScenario(t.db);
    expect((await api(t, client.token).get('/profile/123/points')).status).toBe(404);
    expect((await api(t).get('/no/such/route/456')).status).toBe(404);
    expect((await api(t).post('/profile-points/checkout').set('Content-Type', 'application/json').send('{"broken json')).status).toBe(400);

    const samples = await scrape();
    const count = (labels: Record<string, string>) => valueOf(samples, 'http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/profile/:profile/points', status: '404' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    // Fastify routes a request before it parses the body: a refused body is counted under its route.
    expect(count({ method: 'POST', route: '/profile-points/checkout', status: '400' })).toBe(1);
    const routes = new Set(samples.filter((sample) => sample.name.startsWith('http_request_duration_seconds')).map((sample) => sample.labels.route));
    for (const route of routes) expect(route).not.toMatch(/\d{3}/);
    expect(routes).toContain('/metrics');
  });

  it('reads the outbox backlog and the age of its oldest event from the database, at most once per cache period', async () => {
    await t.drainOutbox();
    // Whatever an earlier scrape cached (a purchase's events were pending then) is not this test's.
    t.app.get(ScrapedFigures).refresh();
    const backlog = jest.spyOn(t.app.get(OutboxQueries), 'backlog');
    expect(valueOf(await scrape(), 'outbox_pending_events')).toBe(0);
    expect(valueOf(await scrape(), 'outbox_oldest_pending_age_seconds')).toBe(0);
    // Scrapes a second and a half apart, two gauges each: still one statement (cached a few seconds).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(valueOf(await scrape(), 'outbox_pending_events')).toBe(0);
    expect(backlog).toHaveBeenCalledTimes(1);
    backlog.mockRestore();

    // Committed 42 s ago and waiting for a retry in an hour: pending, and nobody publishes it meanwhile.
    const [{ id }] = await t.db.query<Array<{ id: string }>>(
      `INSERT INTO outbox_events (type, payload, created_at, available_at)
       VALUES ('metrics.test', '{}', now() - interval '42 seconds', now() + interval '1 hour') RETURNING id`,
    );
    try {
      // Within the cache period the figures stay; read again, they show the new event.
      expect(valueOf(await scrape(), 'outbox_pending_events')).toBe(0);
      t.app.get(ScrapedFigures).refresh();
      const samples = await scrape();
      expect(valueOf(samples, 'outbox_pending_events')).toBe(1);
      expect(valueOf(samples, 'outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(42);
      expect(valueOf(samples, 'outbox_oldest_pending_age_seconds')).toBeLessThan(60);
    } finally {
      await t.db.query(`DELETE FROM outbox_events WHERE id = $1`, [id]);
    }
  });

  it('counts the reconciliation flags an index answers: stale pending, and paid but not credited', async () => {
    const { profile, client } = await createScenario(t.db);
    const stale = await checkout(t, client, profile.id, '100');
    await t.db.query(`UPDATE profile_point_transactions SET created_at = now() - interval '1 day' WHERE id = $1`, [stale.transactionId]);
    const wrong = await checkout(t, client, profile.id, '500');
    const logs = captureLogs();
    expect(await deliver(t, await signedSessionEvent(t, wrong.sessionId, 'checkout.session.completed', { amount_total: 1 }))).toBe(200);
    expect(logs.messages('error')).toEqual([expect.stringContaining(`ALERT amount_mismatch: transaction ${wrong.transactionId} `)]);

    t.app.get(ScrapedFigures).refresh();
    const samples = await scrape();
    expect(valueOf(samples, 'reconciliation_mismatches', { flag: 'stale_pending' })).toBe(1);
    expect(valueOf(samples, 'reconciliation_mismatches', { flag: 'paid_but_not_credited' })).toBe(1);
  });

  it("gauges this instance's open sockets", async () => {
    const { moderator } = await createScenario(t.db);
    const socket = await NotificationsClient.connect(t.url, { token: moderator.token });
    try {
      expect(valueOf(await scrape(), 'socket_connections')).toBe(1);
    } finally {
      socket.close();
    }
    await waitUntil(async () => valueOf(await scrape(), 'socket_connections') === 0);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: TOKEN, RECONCILE_INTERVAL_MS: '0', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'metrics-token-0123456789abcdeX'],
    ['a JWT of a real user', 'eyJhbGciOiJIUzI1NiJ9.e30.x'],
  ])('refuses %s with 401 and the usual error body', async (_label, token) => {
    const response = await api(t, token).get('/metrics');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ status: 401, error: 'UNAUTHORIZED' });
    expect(response.text).not.toContain('http_request_duration_seconds');
  });

  it('answers the right bearer token, and is never rate-limited', async () => {
    // RATE_LIMIT_ANONYMOUS_PER_MINUTE is 2 here: scrapes carry no JWT, and must not be counted.
    for (let i = 0; i < 5; i++) {
      const response = await api(t, TOKEN).get('/metrics');
      expect(response.status).toBe(200);
      expect(response.text).toContain('# TYPE http_request_duration_seconds histogram');
    }
  });
});
