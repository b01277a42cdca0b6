import { gzipSync } from 'node:zlib';
import { createScenario, createUser } from '../factories';
import { captureLogs } from '../support/captured-logs';
import { api } from '../support/http';
import { buy } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';

describe('Bad input: a clear 4xx and nothing written', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function counts() {
    const [row] = await t.db.query<Array<Record<string, number>>>(`
      SELECT (SELECT count(*) FROM profile_point_transactions)::int AS transactions,
             (SELECT count(*) FROM profile_client_interactions)::int AS interactions,
             (SELECT count(*) FROM ledger_transfers)::int AS transfers,
             (SELECT count(*) FROM outbox_events)::int AS outbox`);
    return row;
  }

  const cases: Array<[string, (profileId: string) => string | object, number, string, RegExp]> = [
    ['an unknown pack "999"', (profileId) => ({ profile_id: profileId, pack: '999' }), 400, 'UNKNOWN_PACK', /choose one of: 100, 500, 1000/],
    ['an unknown profile', () => ({ profile_id: '987654321', pack: '100' }), 404, 'PROFILE_NOT_FOUND', /Profile 987654321 does not exist/],
    ['malformed JSON', () => '{"profile_id": 1, "pack": ', 400, 'MALFORMED_JSON', /not valid JSON/],
    ['a missing pack', (profileId) => ({ profile_id: profileId }), 400, 'VALIDATION_FAILED', /pack is required/],
    ['a non-numeric profile id', () => ({ profile_id: 'abc', pack: '100' }), 400, 'VALIDATION_FAILED', /profile_id must be a positive integer id/],
    ['a profile id beyond bigint', () => ({ profile_id: '9999999999999999999', pack: '100' }), 400, 'VALIDATION_FAILED', /profile_id must be a positive integer id/],
    ['an unexpected field', (profileId) => ({ profile_id: profileId, pack: '100', amount: 1 }), 400, 'VALIDATION_FAILED', /property amount should not exist/],
    ['a pack sent as an object', (profileId) => ({ profile_id: profileId, pack: { $gt: '' } }), 400, 'VALIDATION_FAILED', /pack is required/],
  ];

  it.each(cases)('refuses a checkout with %s', async (_label, body, status, code, message) => {
    const { profile, client } = await createScenario(t.db);
    const before = await counts();

    const request = api(t, client.token).post('/profile-points/checkout').set('Content-Type', 'application/json');
    const payload = body(profile.id);
    const response = await request.send(typeof payload === 'string' ? payload : JSON.stringify(payload));

    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ status, error: code, message: expect.stringMatching(message) });
    expect(response.body.correlationId).toEqual(expect.any(String));
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['no body and no Content-Type', undefined, undefined],
    ['an empty JSON body', 'application/json', ''],
    ['JSON with a charset parameter, missing its fields', 'application/json; charset=utf-8', '{}'],
    ['a JSON string at the top level', 'application/json', '"checkout"'],
  ])('answers a checkout with %s with a clear 4xx, never a 5xx', async (_label, type, body) => {
    const { client } = await createScenario(t.db);
    const before = await counts();

    let request = api(t, client.token).post('/profile-points/checkout');
    if (type) request = request.set('Content-Type', type);
    const response = await (body === undefined ? request : request.send(body));

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body).toMatchObject({ status: response.status, error: expect.any(String), correlationId: expect.any(String) });
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['text/plain', (profileId: string) => JSON.stringify({ profile_id: profileId, pack: '100' })],
    ['application/x-www-form-urlencoded', (profileId: string) => `profile_id=${profileId}&pack=100`],
  ])('refuses a checkout body sent as %s with 415, and writes nothing', async (type, body) => {
    const { profile, client } = await createScenario(t.db);
    const before = await counts();

    const response = await api(t, client.token).post('/profile-points/checkout').set('Content-Type', type).send(body(profile.id));

    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ status: 415, error: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining(`application/json (got ${type})`) });
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['a NUL character in a spend reason', (profileId: string) => ({ profile_id: profileId, points: 1, reason: 'a\u0000b', idempotency_key: 'nul-1' }), '/profile-points/spend'],
    ['a NUL character in a key', (profileId: string) => ({ profile_id: profileId, pack: '100', ['x\u0000']: 1 }), '/profile-points/checkout'],
    ['a spend reason ending in a lone surrogate', (profileId: string) => ({ profile_id: profileId, points: 1, reason: 'hi \ud83d', idempotency_key: 'surrogate-1' }), '/profile-points/spend'],
    ['an idempotency key holding a lone low surrogate', (profileId: string) => ({ profile_id: profileId, points: 1, reason: 'message', idempotency_key: 'k\udc00k' }), '/profile-points/spend'],
  ])('refuses %s with 400 (no text column stores it as sent), writing nothing', async (_label, body, path) => {
    const { profile, client } = await createScenario(t.db);
    await buy(t, client, profile.id, '100');
    const before = await counts();
    const response = await api(t, client.token).post(path).send(body(profile.id));
    expect(response.body).toMatchObject({
      status: 400,
      error: 'VALIDATION_FAILED',
      message: 'The request body contains a NUL character (\\u0000) or a lone surrogate (half of a UTF-16 pair), which no field accepts',
    });
    expect(await counts()).toEqual(before);
  });

  it('still takes a whole surrogate pair (an emoji) in a spend reason', async () => {
    const { profile, client } = await createScenario(t.db);
    await buy(t, client, profile.id, '100');
    const spend = { profile_id: profile.id, points: 1, reason: 'thanks \ud83d\ude00', idempotency_key: `emoji-${Date.now()}` };
    const first = await api(t, client.token).post('/profile-points/spend').send(spend);
    expect(first.status).toBe(200);
    const again = await api(t, client.token).post('/profile-points/spend').send(spend);
    expect(again.body).toMatchObject({ replayed: true });
  });

  it.each([
    ['/profile-points/success?session_id=%00', 'contains a NUL character (%00)'],
    ['/profile-points/success?session_id=cs_%ED%A0%80', 'is not UTF-8 once percent-decoded (a lone surrogate or a broken byte sequence)'],
    ['/profile-points/transactions/profile/1%00', 'contains a NUL character (%00)'],
    ['/notifications?cursor=%00', 'contains a NUL character (%00)'],
    ['/profile/%FF/points', 'is not UTF-8 once percent-decoded (a lone surrogate or a broken byte sequence)'],
  ])('refuses %s with 400 VALIDATION_FAILED before any route runs', async (path, problem) => {
    const { client } = await createScenario(t.db);
    const response = await api(t, client.token).get(path);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 400, error: 'VALIDATION_FAILED', message: `The URL ${problem}, which no parameter accepts`, correlationId: expect.any(String) });
  });

  it('refuses a compressed body with 415, saying to send it uncompressed, and writes nothing', async () => {
    const { profile, client } = await createScenario(t.db);
    const before = await counts();
    const body = gzipSync(JSON.stringify({ profile_id: profile.id, pack: '100' }));
    const response = await api(t, client.token).post('/profile-points/checkout').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(body);
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ status: 415, error: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the request body uncompressed (got Content-Encoding: gzip)' });
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['/profile-points/transactions/client?limit=0', /limit must not be less than 1/],
    ['/profile-points/transactions/client?limit=abc', /limit must be an integer/],
    ['/profile-points/transactions/client?cursor=-1', /cursor must be the nextCursor/],
    ['/profile-points/success', /session_id is required/],
    ['/profile/abc/points', /Profile abc does not exist/],
    ['/profile/9999999999999999999/points', /Profile 9999999999999999999 does not exist/],
    ['/profile-points/transactions/client?cursor=9999999999999999999', /cursor must be the nextCursor/],
    ['/profile-points/transactions/profile/9999999999999999999', /does not exist/],
  ])('answers %s with a clear 4xx', async (path, message) => {
    const { client } = await createScenario(t.db);
    const response = await api(t, client.token).get(path);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body.message).toMatch(message);
  });

  it('answers a signed webhook for an unknown session with 200 and changes nothing', async () => {
    // A well-formed event (a malformed one would be answered 200 too, without reaching the lookup).
    const logs = captureLogs();
    const before = await counts();
    const delivery = await t.emulator.sendEvent('checkout.session.completed', {
      id: 'cs_test_unknown',
      object: 'checkout.session',
      mode: 'payment',
      payment_status: 'paid',
      payment_intent: 'pi_unknown',
      amount_total: 999,
      currency: 'eur',
      client_reference_id: null,
    });
    expect(delivery.status).toBe(200);
    expect(await counts()).toEqual(before);
    expect(logs.messages('error')).toEqual([]);
  });

  /**
   * Every JSON body of the OpenAPI document, each of its fields sent as null by every role, on rows that
   * exist (a pack, a profile, an interaction): never a 5xx, and a 400 for a field that is not nullable.
   * `null` passes @IsOptional, so a field that reaches a NOT NULL column unchecked would answer 500.
   */
  it('answers a null in any field of any body with a 4xx (a 400 where null is not allowed), never a 5xx', async () => {
    type Schema = { $ref?: string; properties?: Record<string, { nullable?: boolean }> };
    type Operation = { requestBody?: { content: Record<string, { schema: Schema }> } };
    const document = (await api(t).get('/docs-json')).body as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
    const { profile, client, moderator } = await createScenario(t.db);
    const admin = await createUser(t.db, 'admin');
    await buy(t, client, profile.id, '100');
    const [{ id: interactionId }] = await t.db.query<Array<{ id: string }>>(
      `SELECT id FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2`,
      [client.id, profile.id],
    );
    const ids: Record<string, string> = { profile: profile.id, interaction: interactionId, code: '100' };

    const answers: Array<{ call: string; status: number }> = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const reference = operation.requestBody?.content['application/json']?.schema.$ref;
        if (!reference || path === '/stripe/webhook') continue;
        const schema = document.components.schemas[reference.split('/').pop()!];
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]);
        for (const [field, property] of Object.entries(schema.properties ?? {})) {
          for (const user of [client, moderator, admin]) {
            const response = await api(t, user.token)[method as 'post' | 'put'](url).send({ [field]: null });
            const allowed = response.status < 500 && (property.nullable || response.status >= 400);
            answers.push({ call: `${method.toUpperCase()} ${url} {${field}: null} as ${user.role}`, status: allowed ? 0 : response.status });
          }
        }
      }
    }
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((answer) => answer.status !== 0)).toEqual([]);
  });
});
