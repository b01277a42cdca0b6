import { STRIPE_CURRENCIES, decimalAmountSql } from '../../src/common/currencies';
import { decimalAmount } from '../../src/common/money';
import { createProfile, createScenario, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { processWarnings } from '../support/process-warnings';
import { buy, checkout, stateOf } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * On a database of its own: the search, the stuck list and the summary are checked against exact
 * figures, which purchases of suites running in parallel would change.
 */
describe('Operator tools (admin)', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    database = await createIsolatedDatabase('operator');
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0', DATABASE_URL: database.url });
    admin = await createUser(t.db, 'admin');
  });
  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await database?.drop();
    }
  });
  afterEach(async () => {
    await t.emulator.idle();
    expect(await ledgerDrift(t.db)).toEqual([]);
  });

  const asAdmin = () => api(t, admin.token);
  const ids = (body: { items: Array<{ id: string }> }) => body.items.map((row) => row.id);

  describe('authorization', () => {
    const routes: Array<[method: 'get' | 'post' | 'put', path: string]> = [
      ['get', '/admin/packs'],
      ['post', '/admin/packs'],
      ['put', '/admin/packs/500'],
      ['get', '/admin/transactions'],
      ['get', '/admin/transactions.csv'],
      ['get', '/admin/transactions/stuck'],
      ['get', '/admin/summary'],
    ];

    it.each(routes)('%s %s answers 401 without a token and 403 to clients and moderators', async (method, path) => {
      const client = await createUser(t.db, 'client');
      const moderator = await createUser(t.db, 'moderator');
      const send = (token?: string) => (method === 'get' ? api(t, token).get(path) : api(t, token)[method](path).send({ points: 1 }));

      const anonymous = await send();
      expect([anonymous.status, anonymous.body.error]).toEqual([401, 'UNAUTHORIZED']);
      for (const user of [client, moderator]) {
        const refused = await send(user.token);
        expect([refused.status, refused.body.error]).toEqual([403, 'FORBIDDEN']);
      }
    });

    it.each(routes.filter(([method]) => method === 'get'))('%s %s answers 200 to admins', async (_method, path) => {
      expect((await asAdmin().get(path)).status).toBe(200);
    });
  });

  describe('packs', () => {
    it('lists every pack, adds one, and refuses a taken code on uq_point_packs_code', async () => {
      const created = await asAdmin().post('/admin/packs').send({ code: '2500', points: 2500, amount_cents: 3999, currency: 'eur' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ code: '2500', points: 2500, amountCents: 3999, currency: 'eur', active: true, sortOrder: 4 });

      const taken = await asAdmin().post('/admin/packs').send({ code: '2500', points: 10, amount_cents: 100, currency: 'usd' });
      expect(taken.status).toBe(409);
      expect(taken.body).toMatchObject({ error: 'PACK_CODE_TAKEN', message: expect.stringContaining('"2500"') });

      const list = await asAdmin().get('/admin/packs');
      expect(list.body.map((pack: { code: string }) => pack.code)).toEqual(['100', '500', '1000', '2500']);
      expect(list.body.find((pack: { code: string }) => pack.code === '2500')).toMatchObject({ points: 2500, amountCents: 3999 });
    });

    it.each([
      [{ code: 'abc', points: 10, amount_cents: 100, currency: 'eur' }, 'code must be 1 to 9 digits'],
      [{ code: '1234567890', points: 10, amount_cents: 100, currency: 'eur' }, 'code must be 1 to 9 digits'],
      [{ points: 10, amount_cents: 100, currency: 'eur' }, 'code is required: 1 to 9 digits'],
      [{ code: '31', points: 0, amount_cents: 100, currency: 'eur' }, 'points must be an integer between 1 and 1000000'],
      [{ code: '31', points: 1.5, amount_cents: 100, currency: 'eur' }, 'points must be an integer between 1 and 1000000'],
      [{ code: '31', points: 1_000_001, amount_cents: 100, currency: 'eur' }, 'points must be an integer between 1 and 1000000'],
      [{ code: '31', points: '10', amount_cents: 100, currency: 'eur' }, 'points must be an integer between 1 and 1000000'],
      [{ code: '31', points: 10, amount_cents: 49, currency: 'eur' }, 'amount_cents must be an integer between 50 and 99999999 (minor units)'],
      [{ code: '31', points: 10, amount_cents: 100_000_000, currency: 'eur' }, 'amount_cents must be an integer between 50 and 99999999 (minor units)'],
      [{ code: '31', points: 10, amount_cents: 100, currency: 'EUR' }, 'currency must be one Stripe accepts, as a lowercase ISO 4217 code such as "eur"'],
      [{ code: '31', points: 10, amount_cents: 100, currency: 'euro' }, 'currency must be one Stripe accepts, as a lowercase ISO 4217 code such as "eur"'],
      [{ code: '31', points: 10, amount_cents: 100, currency: 'eur', active: false }, 'property active should not exist'],
    ])('refuses %j with 400: %s', async (body, message) => {
      const response = await asAdmin().post('/admin/packs').send(body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'VALIDATION_FAILED', message });
      expect((await asAdmin().get('/admin/packs')).body.map((pack: { code: string }) => pack.code)).not.toContain('31');
    });

    it('changes points, price and availability; an inactive pack is listed for admins but no longer sold', async () => {
      await asAdmin().post('/admin/packs').send({ code: '3000', points: 3000, amount_cents: 4999, currency: 'eur' }).expect(201);
      const updated = await asAdmin().put('/admin/packs/3000').send({ points: 3300, amount_cents: 4599 });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ code: '3000', points: 3300, amountCents: 4599, active: true });

      const disabled = await asAdmin().put('/admin/packs/3000').send({ active: false });
      expect(disabled.body).toMatchObject({ points: 3300, amountCents: 4599, active: false });

      const { client, profile } = await createScenario(t.db);
      const page = await api(t, client.token).get(`/profile/${profile.id}/points`);
      expect(page.body.packs.map((pack: { code: string }) => pack.code)).not.toContain('3000');
      const refused = await api(t, client.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '3000' });
      expect([refused.status, refused.body.error]).toEqual([400, 'UNKNOWN_PACK']);
      const all = await asAdmin().get('/admin/packs');
      expect(all.body.find((pack: { code: string }) => pack.code === '3000')).toMatchObject({ active: false });

      await asAdmin().put('/admin/packs/3000').send({ active: true }).expect(200);
      await api(t, client.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '3000' }).expect(201);
    });

    it('refuses a three-decimal price Stripe cannot charge (steps of 10), on creation and on change, writing nothing', async () => {
      const offStep = await asAdmin().post('/admin/packs').send({ code: '6000', points: 60, amount_cents: 5125, currency: 'kwd' });
      expect(offStep.body).toEqual({
        status: 400,
        error: 'AMOUNT_NOT_CHARGEABLE',
        message: 'amount_cents 5125 cannot be charged in kwd: Stripe takes kwd amounts in steps of 10 minor units (5.120 or 5.130)',
        correlationId: expect.any(String),
      });
      expect((await asAdmin().get('/admin/packs')).body.map((pack: { code: string }) => pack.code)).not.toContain('6000');

      await asAdmin().post('/admin/packs').send({ code: '6000', points: 60, amount_cents: 5130, currency: 'bhd' }).expect(201);
      const changed = await asAdmin().put('/admin/packs/6000').send({ points: 61, amount_cents: 5131 });
      expect([changed.status, changed.body.error]).toEqual([400, 'AMOUNT_NOT_CHARGEABLE']);
      const [pack] = (await asAdmin().get('/admin/packs')).body.filter((listed: { code: string }) => listed.code === '6000');
      expect(pack).toMatchObject({ points: 60, amountCents: 5130, currency: 'bhd' });
      // The same price is fine where a minor unit is the step.
      await asAdmin().post('/admin/packs').send({ code: '6001', points: 60, amount_cents: 5125, currency: 'eur' }).expect(201);
    });

    it.each([
      ['/admin/packs/3000', {}, 400, 'NOTHING_TO_CHANGE', 'Send at least one of points, amount_cents, active'],
      ['/admin/packs/3000', { active: 'no' }, 400, 'VALIDATION_FAILED', 'active must be true or false'],
      ['/admin/packs/3000', { amount_cents: 10 }, 400, 'VALIDATION_FAILED', 'amount_cents must be an integer between 50 and 99999999 (minor units)'],
      ['/admin/packs/3000', { points: null }, 400, 'VALIDATION_FAILED', 'points must be an integer between 1 and 1000000'],
      ['/admin/packs/3000', { amount_cents: null }, 400, 'VALIDATION_FAILED', 'amount_cents must be an integer between 50 and 99999999 (minor units)'],
      ['/admin/packs/3000', { active: null }, 400, 'VALIDATION_FAILED', 'active must be true or false'],
      ['/admin/packs/3000', { currency: 'usd' }, 400, 'VALIDATION_FAILED', 'property currency should not exist'],
      ['/admin/packs/abc', { points: 10 }, 400, 'VALIDATION_FAILED', 'code must be 1 to 9 digits'],
      ['/admin/packs/987654', { points: 10 }, 404, 'PACK_NOT_FOUND', 'No pack has code "987654"'],
    ])('PUT %s %j answers %i %s', async (path, body, status, error, message) => {
      const response = await asAdmin().put(path).send(body);
      expect(response.body).toMatchObject({ status, error, message });
    });

    it('never changes a pending checkout: it is credited at the points and price copied when it started', async () => {
      await asAdmin().post('/admin/packs').send({ code: '4242', points: 400, amount_cents: 1000, currency: 'eur' }).expect(201);
      const { client, profile, moderator } = await createScenario(t.db);
      const started = await checkout(t, client, profile.id, '4242');

      await asAdmin().put('/admin/packs/4242').send({ points: 800, amount_cents: 2000 }).expect(200);
      const [delivery] = await t.emulator.paySession(started.sessionId);
      expect(delivery.status).toBe(200);

      expect(await stateOf(t, started.transactionId)).toMatchObject({ status: 'completed', failureReason: null, clientPoints: 400, moderatorPoints: 400 });
      const found = await asAdmin().get(`/admin/transactions?client_id=${client.id}`);
      expect(found.body.items).toEqual([
        expect.objectContaining({ id: started.transactionId, status: 'completed', points: 400, amountCents: 1000, moderatorId: moderator.id }),
      ]);
      const [paid] = await t.db.query<Array<{ paid: string }>>(
        `SELECT stripe_amount_paid_cents AS paid FROM profile_point_transactions WHERE id = $1`,
        [started.transactionId],
      );
      expect(Number(paid.paid)).toBe(1000);

      const later = await checkout(t, client, profile.id, '4242');
      const laterRow = await asAdmin().get(`/admin/transactions?client_id=${client.id}&status=pending`);
      expect(laterRow.body.items).toEqual([expect.objectContaining({ id: later.transactionId, points: 800, amountCents: 2000 })]);
    });
  });

  describe('transactions', () => {
    it('filters by status, client, profile, moderator and created_at, newest first with a keyset cursor', async () => {
      const { moderator, profile, client } = await createScenario(t.db);
      const otherModerator = await createUser(t.db, 'moderator');
      const otherProfile = await createProfile(t.db, otherModerator, 'Lea');
      const before = new Date();
      const first = await buy(t, client, profile.id, '100');
      const second = await buy(t, client, otherProfile.id, '500');
      const third = await buy(t, client, profile.id, '1000');
      const pending = await checkout(t, client, profile.id, '100');

      const all = await asAdmin().get(`/admin/transactions?client_id=${client.id}`);
      expect(ids(all.body)).toEqual([pending.transactionId, third.transactionId, second.transactionId, first.transactionId]);
      expect(all.body.items[1]).toMatchObject({
        status: 'completed',
        clientId: client.id,
        profileId: profile.id,
        moderatorId: moderator.id,
        pack: '1000',
        points: 1000,
        amountCents: 1699,
        currency: 'eur',
        disputedPoints: 0,
        stripeSessionId: expect.stringMatching(/^cs_/),
      });

      const byModerator = await asAdmin().get(`/admin/transactions?moderator_id=${moderator.id}`);
      expect(ids(byModerator.body)).toEqual([third.transactionId, first.transactionId]);
      const byProfile = await asAdmin().get(`/admin/transactions?profile_id=${otherProfile.id}`);
      expect(ids(byProfile.body)).toEqual([second.transactionId]);
      const pendingOnly = await asAdmin().get(`/admin/transactions?client_id=${client.id}&status=pending`);
      expect(ids(pendingOnly.body)).toEqual([pending.transactionId]);
      const combined = await asAdmin().get(`/admin/transactions?client_id=${client.id}&profile_id=${profile.id}&status=completed`);
      expect(ids(combined.body)).toEqual([third.transactionId, first.transactionId]);

      const inRange = await asAdmin().get(`/admin/transactions?client_id=${client.id}&from=${before.toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`);
      expect(ids(inRange.body)).toHaveLength(4);
      const beforeRange = await asAdmin().get(`/admin/transactions?client_id=${client.id}&to=${before.toISOString()}`);
      expect(beforeRange.body).toEqual({ items: [], nextCursor: null });

      const page1 = await asAdmin().get(`/admin/transactions?client_id=${client.id}&limit=3`);
      const page2 = await asAdmin().get(`/admin/transactions?client_id=${client.id}&limit=3&cursor=${page1.body.nextCursor}`);
      expect(ids(page1.body)).toEqual([pending.transactionId, third.transactionId, second.transactionId]);
      expect(page2.body).toEqual({ items: [expect.objectContaining({ id: first.transactionId })], nextCursor: null });
    });

    it.each([
      ['status=paid', 'VALIDATION_FAILED', 'status must be one of: pending, completed, failed, expired, refunded'],
      ['client_id=abc', 'VALIDATION_FAILED', 'client_id must be a positive integer id'],
      ['profile_id=0', 'VALIDATION_FAILED', 'profile_id must be a positive integer id'],
      ['moderator_id=12345678901234567890', 'VALIDATION_FAILED', 'moderator_id must be a positive integer id'],
      ['from=yesterday', 'VALIDATION_FAILED', 'from must be an ISO 8601 date or date-time, such as 2026-01-01 or 2026-01-01T00:00:00Z'],
      ['from=2026-02-30', 'VALIDATION_FAILED', 'from must be an ISO 8601 date or date-time, such as 2026-01-01 or 2026-01-01T00:00:00Z'],
      ['to=2026-W05', 'VALIDATION_FAILED', 'to must be an ISO 8601 date or date-time, such as 2026-02-01 or 2026-02-01T00:00:00Z'],
      ['from=2026-02-01&to=2026-01-01', 'INVALID_RANGE', 'from (2026-02-01) must be before to (2026-01-01)'],
      ['limit=0', 'VALIDATION_FAILED', 'limit must not be less than 1'],
      ['cursor=x', 'VALIDATION_FAILED', 'cursor must be the nextCursor of a previous page'],
      ['sort=id', 'VALIDATION_FAILED', 'property sort should not exist'],
    ])('GET /admin/transactions?%s answers 400 %s', async (query, error, message) => {
      const response = await asAdmin().get(`/admin/transactions?${query}`);
      expect(response.body).toMatchObject({ status: 400, error, message });
    });

    it('exports the same search as RFC 4180 CSV with decimal amounts', async () => {
      const { profile, client } = await createScenario(t.db);
      const paid = await buy(t, client, profile.id, '500');
      const open = await checkout(t, client, profile.id, '100');
      await t.db.query(`UPDATE profile_point_transactions SET failure_reason = $2 WHERE id = $1`, [open.transactionId, 'bank said "no", twice']);

      const response = await asAdmin().get(`/admin/transactions.csv?client_id=${client.id}`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="transactions.csv"');
      const lines = response.text.split('\r\n');
      expect(lines).toHaveLength(4);
      expect(lines[3]).toBe('');
      expect(lines[0]).toBe(
        'id,created_at,status,client_id,profile_id,moderator_id,pack,points,refunded_points,disputed_points,amount,currency,failure_reason,credited_at,stripe_session_id',
      );
      expect(lines[1]).toMatch(
        new RegExp(`^${open.transactionId},[^,]+Z,pending,${client.id},${profile.id},,100,100,0,0,2\\.99,eur,"bank said ""no"", twice",,${open.sessionId}$`),
      );
      expect(lines[2]).toMatch(
        new RegExp(`^${paid.transactionId},[^,]+Z,completed,${client.id},${profile.id},${profile.moderatorId},500,500,0,0,9\\.99,eur,,[^,]+Z,${paid.sessionId}$`),
      );

      const filtered = await asAdmin().get(`/admin/transactions.csv?client_id=${client.id}&status=completed`);
      expect(filtered.text.split('\r\n').slice(1, -1).map((line) => line.split(',')[0])).toEqual([paid.transactionId]);
      const bad = await asAdmin().get('/admin/transactions.csv?from=2026-02-01&to=2026-01-01');
      expect([bad.status, bad.body.error]).toEqual([400, 'INVALID_RANGE']);
      const unknown = await asAdmin().get('/admin/transactions.csv?limit=5');
      expect(unknown.body).toMatchObject({ status: 400, message: 'property limit should not exist' });
    });

    it("writes amounts in Stripe's minor units of their currency: 500 JPY is 500, 50000 HUF is 500.00, 5120 KWD is 5.120", async () => {
      await asAdmin().post('/admin/packs').send({ code: '5000', points: 50, amount_cents: 500, currency: 'jpy' }).expect(201);
      await asAdmin().post('/admin/packs').send({ code: '5001', points: 60, amount_cents: 50_000, currency: 'huf' }).expect(201);
      await asAdmin().post('/admin/packs').send({ code: '5002', points: 70, amount_cents: 5120, currency: 'kwd' }).expect(201);
      const { profile, client } = await createScenario(t.db);
      const yen = await buy(t, client, profile.id, '5000');
      const forint = await buy(t, client, profile.id, '5001');
      const dinar = await buy(t, client, profile.id, '5002');
      expect(await stateOf(t, dinar.transactionId)).toMatchObject({ status: 'completed', clientPoints: 50 + 60 + 70 });

      const response = await asAdmin().get(`/admin/transactions.csv?client_id=${client.id}`);
      const rows = response.text.split('\r\n').slice(1, -1).map((line) => line.split(','));
      expect(rows.map((row) => [row[0], row[10], row[11]])).toEqual([
        [dinar.transactionId, '5.120', 'kwd'],
        [forint.transactionId, '500.00', 'huf'],
        [yen.transactionId, '500', 'jpy'],
      ]);
      expect(await t.db.query(`SELECT id, money_amount FROM profile_point_transactions WHERE client_id = $1 ORDER BY id`, [client.id])).toEqual([
        { id: yen.transactionId, money_amount: '500' },
        { id: forint.transactionId, money_amount: '500.00' },
        { id: dinar.transactionId, money_amount: '5.120' },
      ]);
    });

    it('derives the stored money_amount by the rule the CSV follows, for every currency', async () => {
      const { profile, client } = await createScenario(t.db);
      const currencies = STRIPE_CURRENCIES;
      const rows = await t.db.query<Array<{ currency: string; money_amount: string }>>(
        `INSERT INTO profile_point_transactions (client_id, profile_id, pack_code, points_amount, amount_cents, currency, status, created_at)
         SELECT $1, $2, '100', 100, 99999990, c, 'expired', now() - interval '1 day' FROM unnest($3::text[]) c
         RETURNING currency, money_amount::text`,
        [client.id, profile.id, currencies],
      );
      expect(rows.map((row) => [row.currency, row.money_amount])).toEqual(currencies.map((currency) => [currency, decimalAmount(99_999_990, currency)]));
      // The migration wrote the expression the entity declares, so TypeORM sees no schema drift.
      const [metadata] = await t.db.query<Array<{ value: string }>>(
        `SELECT value FROM typeorm_metadata WHERE type = 'GENERATED_COLUMN' AND "table" = 'profile_point_transactions' AND name = 'money_amount'`,
      );
      expect(metadata.value).toBe(decimalAmountSql('amount_cents', 'currency'));
    });

    it('streams an export longer than one batch without losing or repeating a row, and without a listener warning', async () => {
      const { profile, client } = await createScenario(t.db);
      await t.db.query(
        `INSERT INTO profile_point_transactions (client_id, profile_id, pack_code, points_amount, amount_cents, currency, status, created_at)
         SELECT $1, $2, '100', 100, 100000 + g, 'eur', 'expired', now() - interval '1 day'
           FROM generate_series(1, 2500) g`,
        [client.id, profile.id],
      );
      const warnings = processWarnings();
      const before = warnings.length;

      const response = await asAdmin().get(`/admin/transactions.csv?client_id=${client.id}`);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
      // A streamed answer is still being sent while the framework's layers wait on the reply.
      expect(warnings.slice(before).filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
      const rows = response.text.split('\r\n').slice(1, -1).map((line) => line.split(','));
      expect(rows).toHaveLength(2500);
      expect(new Set(rows.map((row) => row[0])).size).toBe(2500);
      expect(rows.map((row) => Number(row[0]))).toEqual(rows.map((row) => Number(row[0])).sort((a, b) => b - a));
      expect(rows[0][10]).toBe('1025.00');
      expect(rows[2499][10]).toBe('1000.01');
    });

    it('lists pending purchases older than RECONCILE_AFTER_SECONDS and failed ones, newest first', async () => {
      const { profile, client } = await createScenario(t.db);
      const stale = await checkout(t, client, profile.id, '100');
      const fresh = await checkout(t, client, profile.id, '100');
      const failed = await checkout(t, client, profile.id, '500');
      await t.emulator.paySession(failed.sessionId, { async: true });
      await t.emulator.failAsyncPayment(failed.sessionId);
      const paid = await buy(t, client, profile.id, '100');
      await t.db.query(`UPDATE profile_point_transactions SET created_at = now() - interval '301 seconds' WHERE id = $1`, [stale.transactionId]);

      const stuck = await asAdmin().get('/admin/transactions/stuck?limit=100');
      expect(stuck.status).toBe(200);
      const mine = stuck.body.items.filter((row: { clientId: string }) => row.clientId === client.id);
      expect(mine).toEqual([
        expect.objectContaining({ id: failed.transactionId, status: 'failed', failureReason: expect.any(String) }),
        expect.objectContaining({ id: stale.transactionId, status: 'pending', failureReason: null }),
      ]);
      expect(ids(stuck.body)).not.toContain(fresh.transactionId);
      expect(ids(stuck.body)).not.toContain(paid.transactionId);

      const first = await asAdmin().get('/admin/transactions/stuck?limit=1');
      expect(first.body.nextCursor).toBe(stuck.body.items[0].id);
      expect((await asAdmin().get('/admin/transactions/stuck?limit=101')).body).toMatchObject({ status: 400, error: 'VALIDATION_FAILED' });
    });
  });

  describe('summary', () => {
    it('adds up the purchases, refunds, moderator earnings and statuses of a range', async () => {
      const from = new Date().toISOString();
      await asAdmin().post('/admin/packs').send({ code: '777', points: 700, amount_cents: 500, currency: 'usd' }).expect(201);
      const { moderator: first, profile, client } = await createScenario(t.db);
      const second = await createUser(t.db, 'moderator');
      const secondProfile = await createProfile(t.db, second, 'Nina');

      const refunded = await buy(t, client, profile.id, '500');
      await buy(t, client, profile.id, '500');
      await buy(t, client, secondProfile.id, '100');
      const dollars = await buy(t, client, secondProfile.id, '777');
      await checkout(t, client, profile.id, '100');
      await t.emulator.refund(refunded.paymentIntentId);
      await t.emulator.refund(dollars.paymentIntentId, 200);
      expect(await stateOf(t, refunded.transactionId)).toMatchObject({ status: 'refunded', refundedPoints: 500 });
      expect(await stateOf(t, dollars.transactionId)).toMatchObject({ status: 'completed', refundedPoints: 280 });

      const summary = await asAdmin().get(`/admin/summary?from=${from}`);
      expect(summary.status).toBe(200);
      expect(summary.body).toEqual({
        from,
        to: null,
        purchases: 4,
        pointsSold: 1800,
        refundedPoints: 780,
        revenue: [
          { currency: 'eur', purchases: 3, grossCents: 2297, refundedCents: 999, netCents: 1298 },
          { currency: 'usd', purchases: 1, grossCents: 500, refundedCents: 200, netCents: 300 },
        ],
        moderators: [
          { moderatorId: first.id, creditedPoints: 1000, debitedPoints: 500, netPoints: 500 },
          { moderatorId: second.id, creditedPoints: 800, debitedPoints: 280, netPoints: 520 },
        ],
        statusCounts: { pending: 1, completed: 3, failed: 0, expired: 0, refunded: 1 },
      });

      const before = await asAdmin().get(`/admin/summary?to=${from}`);
      expect(before.body.moderators.map((row: { moderatorId: string }) => row.moderatorId)).not.toContain(first.id);
      const empty = await asAdmin().get('/admin/summary?from=2000-01-01&to=2000-01-02');
      expect(empty.body).toEqual({
        from: '2000-01-01T00:00:00.000Z',
        to: '2000-01-02T00:00:00.000Z',
        purchases: 0,
        pointsSold: 0,
        refundedPoints: 0,
        revenue: [],
        moderators: [],
        statusCounts: { pending: 0, completed: 0, failed: 0, expired: 0, refunded: 0 },
      });
    });

    it.each([
      ['from=2026-01-01&to=2026-01-01', 'INVALID_RANGE', 'from (2026-01-01) must be before to (2026-01-01)'],
      ['from=01/02/2026', 'VALIDATION_FAILED', 'from must be an ISO 8601 date or date-time, such as 2026-01-01 or 2026-01-01T00:00:00Z'],
      ['to=2026-01-01T25:00:00Z', 'VALIDATION_FAILED', 'to must be an ISO 8601 date or date-time, such as 2026-02-01 or 2026-02-01T00:00:00Z'],
      ['status=completed', 'VALIDATION_FAILED', 'property status should not exist'],
    ])('GET /admin/summary?%s answers 400 %s', async (query, error, message) => {
      const response = await asAdmin().get(`/admin/summary?${query}`);
      expect(response.body).toMatchObject({ status: 400, error, message });
    });
  });
});
