import { StripeEmulator } from '../../tools/stripe-emulator';
import { createScenario, tokenFor } from '../factories';
import { ChildApp, startChildApp } from '../support/child-process';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { NotificationsClient } from '../support/sockets';
import { TEST_JWT_SECRET, TEST_WEBHOOK_SECRET, testServiceEnv } from '../support/test-app';

type Line = Record<string, unknown>;

const METRICS_TOKEN = 'metrics-token-that-must-never-be-logged';
const STRIPE_SECRET_KEY = 'sk_test_emulator_key_that_must_never_be_logged';
/** Trust authentication ignores it; the service must still never print it. */
const DATABASE_PASSWORD = 'db-password-that-must-never-be-logged';

/**
 * The service as its own process with LOG_FORMAT=json, the production format: every byte it writes
 * on stdout and stderr is read back, line by line.
 */
describe('Structured logs (LOG_FORMAT=json)', () => {
  let database: IsolatedDatabase;
  let emulator: StripeEmulator;
  let child: ChildApp;
  let databaseUrl: string;

  beforeAll(async () => {
    database = await createIsolatedDatabase('logging');
    emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET, retry: { attempts: 1, baseDelayMs: 50 } });
    const url = new URL(database.url);
    // A server that trusts local connections (CI's) ignores the password, so a recognisable one is
    // set and must never be logged. The embedded server checks its own ('postgres', also the user's
    // name, which log lines may carry): it is kept, and the URL holding it is what is checked.
    if (url.password === '') url.password = DATABASE_PASSWORD;
    databaseUrl = url.toString();
    // LOG_FORMAT=json as production sets it by default; NODE_ENV=test because the Stripe emulator is not for production.
    child = await startChildApp({
      ...testServiceEnv(databaseUrl, emulator.url),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      STRIPE_SECRET_KEY,
      METRICS_TOKEN,
      ...(process.env.REDIS_URL && { REDIS_URL: process.env.REDIS_URL }),
    });
    emulator.setWebhookUrl(`${child.url}/stripe/webhook`);
  });
  afterAll(async () => {
    await child?.kill();
    await emulator?.stop();
    await database?.drop();
  });

  it('writes one JSON object per line, with ids and outcomes and without a secret, for a purchase, a refused token and bad requests', async () => {
    const { moderator, profile, client } = await createScenario(database.db);
    const sent: string[] = [client.token, moderator.token];
    const call = async (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => {
      const response = await fetch(`${child.url}${path}`, init);
      const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      return { status: response.status, requestId: response.headers.get('x-request-id'), body };
    };
    const asUser = (token: string, extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...extra });

    // The moderator's socket: its handshake carries a token too.
    const socket = await NotificationsClient.connect(child.url, { token: moderator.token });

    // A purchase: checkout, then the emulator's signed webhook.
    const checkout = await call('/profile-points/checkout', {
      method: 'POST',
      headers: asUser(client.token, { 'X-Request-Id': 'logging-test-checkout' }),
      body: JSON.stringify({ profile_id: profile.id, pack: '500' }),
    });
    expect(checkout.status).toBe(201);
    const [delivery] = await emulator.paySession(checkout.body!.sessionId as string);
    expect(delivery.status).toBe(200);
    await socket.waitFor(1, { event: 'points.purchased' });
    socket.close();

    // A refused token: signed with another secret.
    const forged = tokenFor({ id: client.id, role: 'client' }, { secret: 'another-secret-another-secret-another-secret' });
    sent.push(forged);
    const refused = await call(`/profile/${profile.id}/points`, { headers: asUser(forged) });
    expect(refused.status).toBe(401);

    // Bad requests: a body that fails validation, one that is not JSON, a webhook with a wrong signature.
    const invalid = await call('/profile-points/checkout', { method: 'POST', headers: asUser(client.token), body: JSON.stringify({ profile_id: profile.id, pack: '7' }) });
    expect(invalid.status).toBe(400);
    const broken = await call('/profile-points/checkout', { method: 'POST', headers: asUser(client.token), body: '{"profile_id": ' });
    expect(broken.status).toBe(400);
    const badSignature = `t=${Math.floor(Date.now() / 1000)},v1=${'ab'.repeat(32)}`;
    sent.push(badSignature);
    const unsigned = await call('/stripe/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': badSignature },
      body: JSON.stringify({ id: 'evt_unsigned', type: 'checkout.session.completed' }),
    });
    expect(unsigned.status).toBe(400);

    // A scrape, with its token.
    const metrics = await fetch(`${child.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.status).toBe(200);
    await metrics.text();

    const event = emulator.events().find((candidate) => candidate.id === delivery.eventId)!;
    const webhookSignature = emulator.signPayload(JSON.stringify(event));
    sent.push(webhookSignature.split(',v1=')[1]);

    // SIGTERM: the shutdown lines too. Lines are written synchronously, none is lost at exit.
    await child.stop();

    const { stdout, stderr } = child.output();
    const secrets = [TEST_JWT_SECRET, STRIPE_SECRET_KEY, TEST_WEBHOOK_SECRET, databaseUrl, database.url, ...(databaseUrl.includes(DATABASE_PASSWORD) ? [DATABASE_PASSWORD] : []), METRICS_TOKEN, ...sent];
    for (const [stream, text] of [
      ['stdout', stdout],
      ['stderr', stderr],
    ] as const) {
      for (const raw of text.split('\n').filter((line) => line.trim() !== '')) {
        let parsed: unknown;
        expect(() => (parsed = JSON.parse(raw))).not.toThrow();
        expect({ stream, line: raw, object: typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) }).toEqual({ stream, line: raw, object: true });
        for (const secret of secrets) expect({ stream, line: raw, leaks: raw.includes(secret) }).toEqual({ stream, line: raw, leaks: false });
        expect(raw).not.toMatch(/bearer\s+(?!\[REDACTED\])/i);
        expect(raw).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
      }
    }

    const lines = linesOf(child);
    for (const line of lines.filter((candidate) => candidate.ready === undefined)) {
      expect(line).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
    }

    // One line per request, each with the fields SPEC §9 names.
    const requests = lines.filter((line) => 'route' in line && 'status' in line);
    expect(requests.length).toBeGreaterThanOrEqual(6);
    for (const line of requests) {
      expect(line).toEqual(
        expect.objectContaining({
          correlationId: expect.any(String),
          method: expect.any(String),
          route: expect.any(String),
          status: expect.any(Number),
          durationMs: expect.any(Number),
        }),
      );
      expect(String(line.route)).not.toMatch(/\/\d+/);
    }
    const lineOf = (method: string, route: string, status: number) => {
      const found = requests.filter((line) => line.method === method && line.route === route && line.status === status);
      expect({ method, route, status, lines: found.length }).toEqual({ method, route, status, lines: 1 });
      return found[0];
    };

    expect(lineOf('POST', '/profile-points/checkout', 201)).toMatchObject({ correlationId: 'logging-test-checkout', level: 'info', userId: client.id });
    const refusedLine = lineOf('GET', '/profile/:profile/points', 401);
    expect(refusedLine).toMatchObject({ correlationId: refused.requestId, level: 'warn' });
    expect(refused.body).toMatchObject({ correlationId: refused.requestId });
    // Fastify routes a request before it parses the body: the line of a body that is not JSON names its route too.
    const refusedCheckouts = requests.filter((line) => line.method === 'POST' && line.route === '/profile-points/checkout' && line.status === 400);
    expect(refusedCheckouts.map((line) => line.correlationId).sort()).toEqual([invalid.requestId, broken.requestId].sort());
    expect(lineOf('POST', '/stripe/webhook', 400)).toMatchObject({ eventType: 'unverified', outcome: 'invalid_signature' });
    expect(lineOf('POST', '/stripe/webhook', 400)).not.toHaveProperty('eventId');
    expect(lineOf('POST', '/stripe/webhook', 200)).toMatchObject({ eventId: delivery.eventId, eventType: 'checkout.session.completed', outcome: 'credited' });
    // Probes and scrapes that succeed are logged at debug, below LOG_LEVEL=info.
    expect(requests.filter((line) => line.route === '/metrics')).toEqual([]);

    // The outbox relay names its session; Nest's own lines are JSON too, with their context.
    expect(lines.some((line) => line.context === 'OutboxRelay' && /session \d+/.test(String(line.msg)))).toBe(true);
    expect(lines.some((line) => line.context === 'NestApplication')).toBe(true);
    // Shutdown says what it does.
    expect(lines.some((line) => line.context === 'Shutdown' && String(line.msg).startsWith('shutting down (SIGTERM)'))).toBe(true);
  });
});

function linesOf(child: ChildApp): Line[] {
  return child
    .output()
    .stdout.split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Line);
}
