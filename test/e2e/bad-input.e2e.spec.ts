import { createScenario } from '../factories';
import { api } from '../support/http';
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
    const before = await counts();
    const delivery = await t.emulator.sendEvent('checkout.session.completed', {
      id: 'cs_test_unknown',
      object: 'checkout.session',
      payment_status: 'paid',
      amount_total: 999,
      currency: 'eur',
      client_reference_id: null,
    });
    expect(delivery.status).toBe(200);
    expect(await counts()).toEqual(before);
  });
});
