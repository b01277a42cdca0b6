import { connect as connectTcp, Socket } from 'node:net';
import { io, Socket as IoSocket } from 'socket.io-client';
import { createScenario, createUser, TestUser } from '../factories';
import { buy } from '../support/purchases';
import { ONLY_NOTIFICATIONS, SOCKET_JOIN_TIMEOUT_MS } from '../../src/notifications/socket-io-adapter';
import { NotificationsClient } from '../support/sockets';
import { startTestApp, TestApp } from '../support/test-app';
import { sleep, waitUntil } from '../support/wait';

/** Every connection of a test is a raw TCP connection or a socket of its own, from a chosen loopback address. */
interface Raw {
  socket: Socket;
  closed: boolean;
  /** Everything the server wrote. */
  received(): string;
}

function openRaw(url: string, localAddress = '127.0.0.1'): Promise<Raw> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const raw: Raw = { socket: connectTcp({ host: hostname, port: Number(port), localAddress }), closed: false, received: () => Buffer.concat(chunks).toString() };
    raw.socket.on('data', (chunk) => chunks.push(chunk));
    raw.socket.on('close', () => (raw.closed = true));
    raw.socket.on('error', () => undefined);
    raw.socket.once('connect', () => resolve(raw));
    raw.socket.once('error', reject);
  });
}

/** One keep-alive request on `raw`, answered; the connection then stays open and idle. */
async function requestOn(raw: Raw, path = '/health/live'): Promise<string> {
  const before = raw.received().length;
  raw.socket.write(`GET ${path} HTTP/1.1\r\nHost: service.test\r\n\r\n`);
  await waitUntil(() => Promise.resolve(raw.closed || /\r\n\r\n\{.*\}$/s.test(raw.received().slice(before))), 3000);
  return raw.received().slice(before);
}

/** A request whose body never comes: it stays in flight (busy) until the server's request timeout. */
function startSlowRequest(raw: Raw): void {
  raw.socket.write(`POST /profile-points/spend HTTP/1.1\r\nHost: service.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
}

async function fresh(url: string, localAddress: string): Promise<{ status: number } | 'refused'> {
  const raw = await openRaw(url, localAddress).catch(() => null);
  if (!raw) return 'refused';
  const answer = await requestOn(raw).catch(() => '');
  raw.socket.destroy();
  const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
  return status ? { status: Number(status) } : 'refused';
}

describe('Connections an instance holds: per address, per instance, sockets', () => {
  const opened: Raw[] = [];
  const sockets: IoSocket[] = [];
  afterEach(() => {
    for (const raw of opened.splice(0)) raw.socket.destroy();
    for (const socket of sockets.splice(0)) socket.disconnect();
  });

  async function raws(url: string, count: number, localAddress = '127.0.0.1'): Promise<Raw[]> {
    const made = await Promise.all(Array.from({ length: count }, () => openRaw(url, localAddress)));
    opened.push(...made);
    return made;
  }

  describe('the default namespace', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('refuses a socket on "/" without a token or with one', async () => {
      const { moderator } = await createScenario(t.db);
      const refusals = await Promise.all(
        [{}, { token: moderator.token }].map(
          (auth) =>
            new Promise<unknown>((resolve) => {
              const socket = io(t.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
              sockets.push(socket);
              socket.on('connect', () => resolve('connected'));
              socket.on('connect_error', (error: Error & { data?: unknown }) => resolve(error.data));
            }),
        ),
      );
      expect(refusals).toEqual([ONLY_NOTIFICATIONS, ONLY_NOTIFICATIONS]);
    });

    it('closes a connection that stays open after joining nothing, within 10 s', async () => {
      // What a client that ignores the refusal does: keep the engine.io connection, try "/" again and again.
      const socket = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      const packets: string[] = [];
      socket.addEventListener('message', (event) => {
        packets.push(String(event.data));
        if (packets.length <= 3) socket.send('40');
      });
      const closed = new Promise<number>((resolve) => socket.addEventListener('close', () => resolve(Date.now())));
      const opened = Date.now();
      await waitUntil(() => Promise.resolve(packets.length >= 2), 3000);
      expect(packets[1]).toMatch(/^44\{"message":"Connect to the \/notifications namespace/);
      expect((await closed) - opened).toBeLessThan(SOCKET_JOIN_TIMEOUT_MS + 2000);
    }, 20_000);
  });

  describe('per client address (MAX_CONNECTIONS_PER_ADDRESS)', () => {
    let t: TestApp;
    const PER_ADDRESS = 8;
    beforeAll(async () => {
      t = await startTestApp({ MAX_CONNECTIONS: '16384', MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS) });
    });
    afterAll(async () => {
      await t.close();
    });

    it('closes the oldest idle connection of an address at its bound to admit a new one from it', async () => {
      const idle = await raws(t.url, PER_ADDRESS, '127.0.0.11');
      for (const raw of idle) expect(await requestOn(raw)).toMatch(/^HTTP\/1\.1 200/);

      expect(await fresh(t.url, '127.0.0.11')).toEqual({ status: 200 });
      await waitUntil(() => Promise.resolve(idle[0].closed), 2000);
      expect(idle.filter((raw) => raw.closed)).toHaveLength(1);
    });

    it('refuses a new connection from an address whose connections are all in use, and not from another address', async () => {
      const busy = await raws(t.url, PER_ADDRESS, '127.0.0.12');
      for (const raw of busy) startSlowRequest(raw);
      await sleep(200);

      expect(await fresh(t.url, '127.0.0.12')).toBe('refused');
      expect(await fresh(t.url, '127.0.0.13')).toEqual({ status: 200 });
      expect(busy.filter((raw) => raw.closed)).toHaveLength(0);
    });
  });

  describe('per instance (MAX_CONNECTIONS)', () => {
    let t: TestApp;
    const MAX = 64;
    beforeAll(async () => {
      t = await startTestApp({ MAX_CONNECTIONS: String(MAX), MAX_CONNECTIONS_PER_ADDRESS: '0', SOCKET_MAX_CONNECTIONS: '8' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('keeps serving newcomers when idle keep-alive connections fill the instance: the oldest idle one is closed', async () => {
      // The flood of the report: connections that each made one request and then idle (here from 8 addresses).
      const flood: Raw[] = [];
      for (let i = 0; i < MAX; i++) flood.push(...(await raws(t.url, 1, `127.0.1.${(i % 8) + 1}`)));
      for (const raw of flood) await requestOn(raw);

      // Newcomers that stay: each needs a place, taken from the oldest idle connection.
      const newcomers = await raws(t.url, 5, '127.0.2.1');
      for (const raw of newcomers) expect(await requestOn(raw)).toMatch(/^HTTP\/1\.1 200/);
      await waitUntil(() => Promise.resolve(flood.filter((raw) => raw.closed).length === 5), 2000);
      expect(flood.slice(0, 5).every((raw) => raw.closed)).toBe(true);
    });

    it('refuses a newcomer only when every connection of the instance is in use', async () => {
      const busy = await raws(t.url, MAX, '127.0.3.1');
      for (const raw of busy) startSlowRequest(raw);
      await sleep(300);
      expect(await fresh(t.url, '127.0.3.2')).toBe('refused');
    });
  });

  describe('sockets per instance (SOCKET_MAX_CONNECTIONS)', () => {
    let t: TestApp;
    const SOCKETS = 5;
    beforeAll(async () => {
      t = await startTestApp({ MAX_CONNECTIONS: '16384', MAX_CONNECTIONS_PER_ADDRESS: '0', SOCKET_MAX_CONNECTIONS: String(SOCKETS) });
    });
    afterAll(async () => {
      await t.close();
    });

    it('refuses a socket beyond the cap with 503 and Retry-After, while webhooks and API requests are still served', async () => {
      const { moderator, client, profile } = await createScenario(t.db);
      const users: TestUser[] = await Promise.all(Array.from({ length: SOCKETS }, () => createUser(t.db, 'moderator')));
      const open = await Promise.all(users.map((user) => NotificationsClient.connect(t.url, { token: user.token })));

      const polling = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`);
      expect(polling.status).toBe(503);
      expect(polling.headers.get('retry-after')).toBe('5');
      expect(await polling.json()).toMatchObject({ status: 503, error: 'INSTANCE_FULL' });
      const refused = await NotificationsClient.refusal(t.url, { token: moderator.token });
      expect(refused.message).toMatch(/websocket error/);

      // The payment path does not share the sockets' budget.
      const bought = await buy(t, client, profile.id, '100');
      const status = await t.db.query<Array<{ status: string }>>(`SELECT status FROM profile_point_transactions WHERE id = $1`, [bought.transactionId]);
      expect(status).toEqual([{ status: 'completed' }]);
      expect((await fetch(`${t.url}/profile/${profile.id}/points`, { headers: { Authorization: `Bearer ${client.token}` } })).status).toBe(200);

      open[0].close();
      await waitUntil(async () => (await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`)).status === 200, 3000);
      for (const socket of open) socket.close();
    });
  });
});
