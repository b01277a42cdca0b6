import { connect, Socket } from 'node:net';
import { createScenario, createUser } from '../factories';
import { api } from '../support/http';
import { captureLogs } from '../support/captured-logs';
import { startTestApp, TestApp } from '../support/test-app';
import { postWebhook, sendSigned } from '../support/webhooks';

const FRONTEND = 'https://shop.profile-points.test';
const CONSOLE = 'https://console.profile-points.test';

/** A JSON body nested `depth` levels deep: `{"a":{"a":…}}` (10 KB at 5,000 levels). */
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('The edge: browsers by list, bodies and ids answered sanely, connections bounded', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(
      { CORS_ORIGINS: `${FRONTEND},${CONSOLE}` },
      { serverLimits: { headersTimeoutMs: 1_000, requestTimeoutMs: 1_500, checkIntervalMs: 200 } },
    );
  });
  afterAll(async () => {
    await t.close();
  });

  describe('CORS from one allow-list', () => {
    it('answers a listed origin\'s preflight with the headers a frontend sends', async () => {
      const response = await api(t)
        .options('/profile-points/checkout')
        .set('Origin', FRONTEND)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(FRONTEND);
      expect(response.headers['access-control-allow-headers']).toMatch(/Authorization/);
      expect(response.headers['access-control-allow-headers']).toMatch(/Content-Type/);
      expect(response.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('gives an unlisted origin no Access-Control header at all', async () => {
      const preflight = await api(t)
        .options('/profile-points/checkout')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const { client } = await createScenario(t.db);
      const read = await api(t, client.token).get('/profile-points/transactions/client').set('Origin', 'https://evil.example');
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('lets a listed origin read the answer, the correlation id and Retry-After', async () => {
      const { client } = await createScenario(t.db);
      const response = await api(t, client.token).get('/profile-points/transactions/client').set('Origin', CONSOLE);
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe(CONSOLE);
      expect(response.headers['access-control-expose-headers']).toMatch(/X-Request-Id/i);
      expect(response.headers['access-control-expose-headers']).toMatch(/Retry-After/i);
    });
  });

  describe('bodies', () => {
    it.each([
      ['spend', '/profile-points/spend'],
      ['checkout', '/profile-points/checkout'],
      ['notifications/read', '/notifications/read'],
    ])('answers a body nested 5,000 levels deep on %s with 400, not a stack overflow', async (_, path) => {
      const { client } = await createScenario(t.db);
      const response = await api(t, client.token).post(path).set('Content-Type', 'application/json').send(nested(5000));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, error: 'BODY_TOO_DEEP' });
    });

    it('still takes an ordinary body', async () => {
      const { client, profile } = await createScenario(t.db);
      const response = await api(t, client.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '100' });
      expect(response.status).toBe(201);
    });

    it('answers an oversized API body with 413 and leaves nothing behind', async () => {
      const { client, profile } = await createScenario(t.db);
      const response = await api(t, client.token)
        .post('/profile-points/checkout')
        .send({ profile_id: profile.id, pack: '100', padding: 'x'.repeat(100_000) });
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ status: 413, error: 'PAYLOAD_TOO_LARGE' });
      const [{ count }] = await t.db.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM profile_point_transactions WHERE client_id = $1`,
        [client.id],
      );
      expect(count).toBe(0);
    });

    it("takes a signed Stripe event of 500 KB (Stripe's large events) instead of 413", async () => {
      const event = { id: 'evt_large_event', object: 'event', type: 'customer.updated', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_1', padding: 'x'.repeat(500_000) } } };
      const payload = JSON.stringify(event);
      expect((await sendSigned(t, payload)).status).toBe(200);
      const response = await sendSigned(t, payload);
      expect(response.status).toBe(200);
      expect(response.body.outcome).toBe('ignored');
    });

    it('checks the signature before parsing a webhook body: an unsigned megabyte is refused unread', async () => {
      // Not JSON at all: a parser that ran first would answer MALFORMED_JSON, having parsed it.
      const junk = '{"a":' + '1'.repeat(1_000_000);
      for (const signature of [undefined, 't=1764000000,v1=' + 'ab'.repeat(32)]) {
        const response = await postWebhook(t, junk, signature);
        expect([response.status, response.body.error]).toEqual([400, 'INVALID_STRIPE_SIGNATURE']);
      }
    });

    it.each([
      ['a bare number', '42'],
      ['a string', '"evt"'],
      ['not JSON', '{"id": "evt_'],
    ])('acknowledges a signed body that is %s as malformed (2xx: Stripe need not retry), changing nothing', async (_, payload) => {
      const logs = captureLogs();
      const response = await sendSigned(t, payload);
      expect([response.status, response.body.outcome]).toEqual([200, 'malformed']);
      expect(logs.messages('error')).toEqual([expect.stringMatching(/^ALERT malformed Stripe event \(no usable id\) of type \(none\): .*; acknowledged and recorded as malformed:[0-9a-f]{64}, nothing applied$/)]);
    });

    it('refuses a pack in a currency Stripe does not accept', async () => {
      const admin = await createUser(t.db, 'admin');
      const response = await api(t, admin.token).post('/admin/packs').send({ code: '777', points: 777, amount_cents: 777, currency: 'xyz' });
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/currency/);
      const rows = await t.db.query(`SELECT 1 FROM point_packs WHERE code = '777'`);
      expect(rows).toHaveLength(0);
    });
  });

  describe('request ids', () => {
    it('returns a short, plain X-Request-Id as given, in the header and the error body', async () => {
      const response = await api(t).get('/profile-points/transactions/client').set('X-Request-Id', 'lb-7f3a.92:01_x');
      expect(response.headers['x-request-id']).toBe('lb-7f3a.92:01_x');
      expect(response.body.correlationId).toBe('lb-7f3a.92:01_x');
    });

    it.each([
      ['too long', 'a'.repeat(65)],
      ['with markup', '<script>alert(1)</script>'],
      ['with spaces', 'hello world'],
    ])('replaces one %s by a new id, never echoing it', async (_, given) => {
      const response = await api(t).get('/profile-points/transactions/client').set('X-Request-Id', given);
      expect(response.headers['x-request-id']).not.toBe(given);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(response.body)).not.toContain(given);
      expect(response.body.correlationId).toBe(response.headers['x-request-id']);
    });

    it('gives every answer an id, successes included', async () => {
      const response = await api(t).get('/health');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('connections', () => {
    function open(): Promise<Socket> {
      const { hostname, port: appPort } = new URL(t.url);
      return new Promise((resolve, reject) => {
        const socket = connect(Number(appPort), hostname, () => resolve(socket));
        socket.on('error', reject);
        // Read what the server sends (its 408), so that its closing is seen.
        socket.resume();
      });
    }

    function closedWithin(socket: Socket, ms: number): Promise<number> {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(Date.now() - started);
        });
      });
    }

    it('closes a connection that sends its body one byte at a time once the request time runs out', async () => {
      const socket = await open();
      socket.on('error', () => undefined);
      socket.write('POST /profile-points/spend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
      const drip = setInterval(() => socket.writable && socket.write(' '), 200);
      try {
        expect(await closedWithin(socket, 5_000)).toBeLessThan(5_000);
      } finally {
        clearInterval(drip);
      }
    });

    it('closes, both ways, a connection that never sends a request and never closes its own side', async () => {
      const server = t.app.getHttpServer() as import('node:http').Server;
      const openConnections = () => new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
      const before = await openConnections();
      const { hostname, port: appPort } = new URL(t.url);
      const socket = await new Promise<Socket>((resolve, reject) => {
        const opened = connect({ port: Number(appPort), host: hostname, allowHalfOpen: true }, () => resolve(opened));
        opened.on('error', reject);
      });
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('end', resolve));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      // The server's side is gone, though this client keeps its own open.
      expect(await openConnections()).toBe(before);
      socket.destroy();
    });

    it('closes a connection that never sends a request once the headers time runs out', async () => {
      const socket = await open();
      expect(await closedWithin(socket, 5_000)).toBeGreaterThanOrEqual(900);
    });

    it.each([
      ['headers over 16 KB', `GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
      ['a request that is not HTTP', 'HELLO\r\n\r\n', 400, 'BAD_REQUEST'],
      ['a body that never ends', 'POST /profile-points/spend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{', 408, 'REQUEST_TIMEOUT'],
    ])('answers %s in the service error shape, with its headers', async (_, raw, status, error) => {
      const socket = await open();
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('error', () => undefined);
      socket.write(raw);
      await closedWithin(socket, 5_000);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
      expect(JSON.parse(body)).toEqual({ status, error, message: expect.any(String), correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    });

    it('keeps an idle keep-alive connection usable past the headers time', async () => {
      const socket = await open();
      let answers = '';
      socket.on('data', (chunk: Buffer) => (answers += chunk.toString()));
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 1_800));
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(answers.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
      socket.destroy();
    });
  });
});
