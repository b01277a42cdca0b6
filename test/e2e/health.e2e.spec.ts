import { once } from 'node:events';
import { connect } from 'node:net';
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { sleep } from '../support/wait';

describe('Liveness and readiness', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers liveness without checking any dependency', async () => {
    const response = await api(t).get('/health/live');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers['cache-control']).toContain('no-store');
  });

  it('answers readiness when the database (and Redis, when configured) answer; /health stays the same check', async () => {
    const expected = { database: { status: 'up' }, ...(process.env.REDIS_URL && { redis: { status: 'up' } }) };
    for (const path of ['/health/ready', '/health']) {
      const response = await api(t).get(path);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'ok', details: expected });
    }
  });

  it('answers 503 SHUTTING_DOWN from the first moment of app.close(), while what was received is still being answered', async () => {
    const closing = await startTestApp({ RECONCILE_INTERVAL_MS: '0' });
    const { hostname, port } = new URL(closing.url);
    // A request received (headers in) but not complete keeps the shutdown in its first phase.
    const held = connect(Number(port), hostname);
    await once(held, 'connect');
    held.on('error', () => undefined);
    held.write(`POST /notifications/read HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"ids"`);
    await sleep(100);

    const closed = closing.app.close();
    try {
      const ready = await api(closing).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 503, error: 'SHUTTING_DOWN' });
      expect((await api(closing).get('/health')).status).toBe(503);
      expect((await api(closing).get('/health/live')).status).toBe(200);
      const work = await api(closing).get('/notifications');
      expect(work.status).toBe(503);
      expect(work.headers.connection).toBe('close');
    } finally {
      held.write(':[1]}');
      await closed;
      held.destroy();
      await closing.emulator.stop();
    }
  });
});
