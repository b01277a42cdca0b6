import { request as httpRequest } from 'node:http';
import { createProfile, createUser } from '../factories';
import { api } from '../support/http';
import { platformId } from '../support/jwks';
import { buy } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { ledgerDrift } from '../support/ledger';
import { waitUntil } from '../support/wait';

const TOKEN = 'import-suite-integration-token-6e1d0c9b8a7f5243';
const NDJSON = 'application/x-ndjson';

const user = (id: string, role: string, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'user', id, role, ...extra });
const profile = (id: string, moderatorId: string | null, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'profile', id, name: `Profile ${id}`, moderator_id: moderatorId, ...extra });

interface Sent {
  status: number;
  body: Record<string, unknown>;
  raw: string;
}

/**
 * POST /integration/import with the body written piece by piece, `pauseMs` apart: as a platform
 * streams an export that takes its time. Answers what the service sent back (its raw text too, for a
 * cut connection).
 */
function sendSlowly(url: string, pieces: string[], pauseMs: number, headers: Record<string, string> = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/integration/import`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': NDJSON, 'Transfer-Encoding': 'chunked', ...headers },
    });
    let raw = '';
    request.on('response', (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (raw += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, raw }));
    });
    request.on('error', reject);
    let index = 0;
    const writeNext = () => {
      if (request.destroyed) return;
      if (index === pieces.length) {
        request.end();
        return;
      }
      request.write(pieces[index++]);
      setTimeout(writeNext, pauseMs);
    };
    writeNext();
  });
}

describe('POST /integration/import: NDJSON, streamed, applied in batches', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The whole-request limit shortened to 1.5 s, as the idle limit of the import to 1 s, to prove what each bounds.
    t = await startTestApp({ INTEGRATION_TOKEN: TOKEN }, { serverLimits: { requestTimeoutMs: 1_500, importIdleTimeoutMs: 1_000, checkIntervalMs: 200 } });
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    expect(await ledgerDrift(t.db)).toEqual([]);
  });

  const importing = (body: string, type = NDJSON) => api(t, TOKEN).post('/integration/import').set('Content-Type', type).send(body);
  const users = async (ids: string[]) =>
    t.db.query<Array<{ id: string; role: string; name: string | null; email: string | null }>>(`SELECT id, role, name, email FROM users WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);

  it('applies every good line and names each refused one by its number', async () => {
    const [moderator, client, plain, erased, dupA, dupB, p1, p2, p3] = Array.from({ length: 9 }, platformId);
    const email = `dup-${dupA}@example.com`;
    await api(t, TOKEN).put(`/integration/users/${erased}`).send({ role: 'client' }).expect(200);
    await api(t, TOKEN).delete(`/integration/users/${erased}`).expect(204);
    const stranger = await createUser(t.db, 'client');

    const lines = [
      user(moderator, 'moderator', { name: 'Léa', email: `lea-${moderator}@example.com` }), // 1
      user(client, 'client', { name: 'Camille' }), // 2
      '', // 3: blank lines are skipped
      '{"type":"user","id":', // 4
      user(plain, 'superuser'), // 5
      JSON.stringify({ type: 'group', id: '1' }), // 6
      user(erased, 'client'), // 7
      user(dupA, 'client', { email }), // 8
      user(dupB, 'client', { email }), // 9
      profile(p1, moderator), // 10: its moderator is line 1, same batch
      profile(p2, stranger.id), // 11: a client
      profile(p3, null, { active: false }), // 12
      user(plain, 'client', { name: 'x'.repeat(70_000) }), // 13: over 64 KB
      '[1,2]', // 14
    ];
    const response = await importing(lines.join('\n'));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      created: 5,
      updated: 0,
      refusedCount: 8,
      refused: [
        { line: 4, error: expect.stringMatching(/^MALFORMED_JSON/) },
        { line: 5, error: expect.stringMatching(/^VALIDATION_FAILED: role must be one of/) },
        { line: 6, error: expect.stringMatching(/^VALIDATION_FAILED: type must be "user" or "profile"/) },
        { line: 7, error: expect.stringMatching(/^USER_ERASED/) },
        { line: 9, error: expect.stringMatching(/^EMAIL_TAKEN/) },
        { line: 11, error: `NOT_A_MODERATOR: user ${stranger.id} does not exist or is not a moderator` },
        { line: 13, error: expect.stringMatching(/^LINE_TOO_LONG/) },
        { line: 14, error: expect.stringMatching(/^VALIDATION_FAILED: a line must be a JSON object/) },
      ],
    });
    expect(await users([moderator, client, plain, erased, dupA, dupB])).toEqual([
      { id: moderator, role: 'moderator', name: 'Léa', email: `lea-${moderator}@example.com` },
      { id: client, role: 'client', name: 'Camille', email: null },
      { id: erased, role: 'client', name: null, email: null },
      { id: dupA, role: 'client', name: null, email },
    ].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)));
    expect(await t.db.query(`SELECT id, moderator_id, active FROM profiles WHERE id = ANY($1::bigint[]) ORDER BY id`, [[p1, p2, p3]])).toEqual(
      [
        { id: p1, moderator_id: moderator, active: true },
        { id: p3, moderator_id: null, active: false },
      ].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)),
    );
  });

  it('is idempotent: the same import again updates what it created, and changes nothing else', async () => {
    const ids = Array.from({ length: 3 }, platformId);
    const body = [user(ids[0], 'moderator'), user(ids[1], 'client', { name: 'N' }), profile(ids[2], ids[0])].join('\n') + '\n';
    expect((await importing(body)).body).toEqual({ created: 3, updated: 0, refused: [], refusedCount: 0 });
    const before = await users(ids);
    expect((await importing(body)).body).toEqual({ created: 0, updated: 3, refused: [], refusedCount: 0 });
    expect(await users(ids)).toEqual(before);
  });

  it('gives an existing profile a new moderator as PUT /profiles/:profile/moderator does: held points go to them', async () => {
    const client = await createUser(t.db, 'client');
    const [moderatorId, profileId] = [platformId(), platformId()];
    await importing(profile(profileId, null)).expect(200);
    await buy(t, client, profileId, '500');
    const response = await importing([user(moderatorId, 'moderator'), profile(profileId, moderatorId)].join('\n'));
    expect(response.body).toMatchObject({ created: 1, updated: 1, refusedCount: 0 });
    expect(await t.db.query(`SELECT points FROM users WHERE id = $1`, [moderatorId])).toEqual([{ points: '500' }]);
    expect(await t.db.query(`SELECT moderator_id, held_points FROM profile_client_interactions WHERE profile_id = $1`, [profileId])).toEqual([
      { moderator_id: moderatorId, held_points: '0' },
    ]);
  });

  it('reads a body of many batches as it streams (25,000 lines, CRLF line ends)', async () => {
    const moderator = platformId();
    const base = 910_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e9)) * 100_000n;
    const lines = [user(moderator, 'moderator')];
    for (let i = 0n; i < 20_000n; i++) lines.push(user(String(base + i), 'client'));
    for (let i = 0n; i < 4_999n; i++) lines.push(profile(String(base + 50_000n + i), moderator));
    const response = await importing(lines.join('\r\n'));
    expect(response.body).toEqual({ created: 25_000, updated: 0, refused: [], refusedCount: 0 });
    expect(await t.db.query(`SELECT count(*)::int AS n FROM profiles WHERE moderator_id = $1`, [moderator])).toEqual([{ n: 4_999 }]);
  }, 60_000);

  it('is read for as long as its lines keep arriving, past the whole-request time limit of other routes', async () => {
    const ids = Array.from({ length: 12 }, platformId);
    const started = Date.now();
    // 12 lines 250 ms apart: 3 s in all, twice this app's 1.5 s limit for a whole request.
    const sent = await sendSlowly(t.url, ids.map((id) => `${user(id, 'client')}\n`), 250);
    expect(Date.now() - started).toBeGreaterThan(2_500);
    expect(sent).toMatchObject({ status: 200, body: { created: 12, updated: 0, refusedCount: 0 } });
    expect(await users(ids)).toHaveLength(12);
  });

  it('is not cut while the service itself is slow to write a batch (the idle limit counts only the wait for bytes)', async () => {
    const locked = platformId();
    await api(t, TOKEN).put(`/integration/users/${locked}`).send({ role: 'client' }).expect(200);
    // Another transaction holds the user's row: the import's first write waits 2.5 s, past the 1 s idle limit.
    const runner = t.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [locked]);
    const release = setTimeout(() => void runner.commitTransaction().finally(() => runner.release()), 2_500);
    try {
      const ids = Array.from({ length: 5 }, platformId);
      const response = await importing([user(locked, 'moderator'), ...ids.map((id) => user(id, 'client'))].join('\n'));
      expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { created: 5, updated: 1, refused: [], refusedCount: 0 } });
      expect(await users([locked])).toEqual([{ id: locked, role: 'moderator', name: null, email: null }]);
    } finally {
      clearTimeout(release);
      if (!runner.isReleased) {
        if (runner.isTransactionActive) await runner.commitTransaction();
        await runner.release();
      }
    }
  });

  it('is cut once no byte arrives for the idle limit: 408, and the whole lines received before are applied', async () => {
    const ids = Array.from({ length: 3 }, platformId);
    const pieces = [...ids.map((id) => `${user(id, 'client')}\n`), '{"type":"user","id":"12', '__stalled__'];
    const sent = await new Promise<Sent>((resolve, reject) => {
      const request = httpRequest(`${t.url}/integration/import`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': NDJSON, 'Transfer-Encoding': 'chunked' },
      });
      let raw = '';
      request.on('response', (response) => {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (raw += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(raw) as Record<string, unknown>, raw }));
      });
      request.on('error', reject);
      for (const piece of pieces.slice(0, -1)) request.write(piece);
      // Then nothing more: the platform's export hangs.
    });
    expect(sent.status).toBe(408);
    expect(sent.body).toMatchObject({ status: 408, error: 'REQUEST_TIMEOUT' });
    // Applied by the service once the body stopped, after the answer left.
    await waitUntil(async () => (await users(ids)).length === 3);
  });

  it.each([
    ['JSON', 'application/json', '{"type":"user"}', 415],
    ['a form', 'application/x-www-form-urlencoded', 'type=user', 415],
  ])('refuses a body sent as %s with 415', async (_, type, body, status) => {
    const response = await importing(body, type);
    expect({ status: response.status, error: response.body.error, message: response.body.message }).toEqual({
      status,
      error: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringMatching(/application\/x-ndjson/),
    });
  });

  it('refuses a compressed import with 415, and NDJSON sent to any other route', async () => {
    const compressed = await api(t, TOKEN).post('/integration/import').set('Content-Type', NDJSON).set('Content-Encoding', 'gzip').send('x');
    expect({ status: compressed.status, error: compressed.body.error }).toEqual({ status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' });
    const elsewhere = await api(t, TOKEN).put(`/integration/users/${platformId()}`).set('Content-Type', NDJSON).send('{"role":"client"}');
    expect({ status: elsewhere.status, error: elsewhere.body.error }).toEqual({ status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it("gathers no listeners on a keep-alive connection, however many requests it carries", async () => {
    const server = t.app.getHttpServer() as import('node:http').Server;
    const connections: import('node:net').Socket[] = [];
    const remember = (socket: import('node:net').Socket) => connections.push(socket);
    server.on('connection', remember);
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 30; i++) {
        await new Promise<void>((resolve, reject) => {
          const body = JSON.stringify({ role: 'client' });
          const outgoing = httpRequest(`${t.url}/integration/users/${platformId()}`, {
            method: 'PUT',
            agent,
            headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
          });
          outgoing.on('response', (response) => {
            expect(response.statusCode).toBe(200);
            response.resume();
            response.on('end', resolve);
          });
          outgoing.on('error', reject);
          outgoing.end(body);
        });
      }
      expect(connections).toHaveLength(1);
      expect(connections[0].listenerCount('close')).toBeLessThan(5);
    } finally {
      server.off('connection', remember);
      agent.destroy();
    }
  });

  it('keeps the whole-request time limit of every other route (a slow body elsewhere is cut with 408)', async () => {
    const moderator = await createUser(t.db, 'moderator');
    await createProfile(t.db, moderator);
    const started = Date.now();
    const sent = await new Promise<{ status: number }>((resolve, reject) => {
      const request = httpRequest(`${t.url}/integration/users/${platformId()}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': '100' },
      });
      request.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      });
      request.on('error', reject);
      request.write('{"role":');
      const drip = setInterval(() => (request.destroyed ? clearInterval(drip) : request.write(' ')), 200);
      request.on('close', () => clearInterval(drip));
    });
    expect(sent.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
