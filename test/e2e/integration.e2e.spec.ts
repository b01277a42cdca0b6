import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { UsersService } from '../../src/users/users.service';
import { createUser, tokenFor } from '../factories';
import { appWithBalancedLedger } from '../support/app-per-suite';
import { captureLogs } from '../support/captured-logs';
import { api } from '../support/http';
import { platformId } from '../support/jwks';
import { buy, checkout } from '../support/purchases';
import { USER_RECHECK_MS } from '../../src/notifications/notifications.gateway';
import { NotificationsClient } from '../support/sockets';
import { sleep } from '../support/wait';

const TOKEN = 'integration-suite-current-token-5b0e9f27a1c84d36';
const NEXT_TOKEN = 'integration-suite-next-token-c47a1e8d20b93f65';

const run = promisify(execFile);

describe("The platform's backend: /integration", () => {
  // Two tokens, as during a rotation: both are accepted.
  const t = appWithBalancedLedger({ INTEGRATION_TOKEN: `${TOKEN},${NEXT_TOKEN}` });
  const platform = (token = TOKEN) => api(t, token);

  /** A user the platform provisioned, with an HS256 token of the service for it. */
  async function provision(role: 'client' | 'moderator' | 'admin', fields: { name?: string | null; email?: string | null } = {}) {
    const id = platformId();
    const response = await platform().put(`/integration/users/${id}`).send({ role, ...fields });
    expect(response.status).toBe(200);
    return { id, role, email: '', token: tokenFor({ id, role }) };
  }

  async function provisionProfile(moderatorId: string | null, extra: Record<string, unknown> = {}) {
    const id = platformId();
    const response = await platform().put(`/integration/profiles/${id}`).send({ name: 'Sophie', moderator_id: moderatorId, ...extra });
    expect(response.status).toBe(200);
    return id;
  }

  const rowOf = async (table: 'users' | 'profiles', id: string) => (await t.db.query<Array<Record<string, unknown>>>(`SELECT * FROM ${table} WHERE id = $1`, [id]))[0];

  describe('its credential', () => {
    it.each([
      ['no token', undefined],
      ['a token not on the list', 'integration-suite-unknown-token-000000000000'],
    ])('refuses %s with 401 on every integration route', async (_, token) => {
      const id = platformId();
      const calls = [
        api(t, token).put(`/integration/users/${id}`).send({ role: 'client' }),
        api(t, token).delete(`/integration/users/${id}`),
        api(t, token).put(`/integration/profiles/${id}`).send({ name: 'x', moderator_id: null }),
        api(t, token).get(`/integration/balances?client_id=${id}&profile_id=${id}`),
        api(t, token).post('/integration/spend').send({ client_id: id, profile_id: id, points: 1, reason: 'message', idempotency_key: 'k' }),
        api(t, token).post('/integration/import').set('Content-Type', 'application/x-ndjson').send(`{"type":"user","id":"${id}","role":"client"}\n`),
      ];
      for (const response of await Promise.all(calls)) expect({ status: response.status, error: response.body.error }).toEqual({ status: 401, error: 'UNAUTHORIZED' });
      expect(await rowOf('users', id)).toBeUndefined();
    });

    it("refuses a user's JWT, an admin's included", async () => {
      const admin = await createUser(t.db, 'admin');
      const response = await api(t, admin.token).put(`/integration/users/${platformId()}`).send({ role: 'admin' });
      expect(response.status).toBe(401);
    });

    it('accepts each token of the list (a rotation in progress)', async () => {
      for (const token of [TOKEN, NEXT_TOKEN]) expect((await platform(token).put(`/integration/users/${platformId()}`).send({ role: 'client' })).status).toBe(200);
    });

    it('is no user token: the integration token opens no user route', async () => {
      expect((await platform().get('/notifications')).status).toBe(401);
    });
  });

  describe('PUT /integration/users/:id', () => {
    it('creates the user with the platform\'s id, then updates it; the same request twice leaves the same state', async () => {
      const id = platformId();
      const email = `lea-${id}@example.com`;
      const first = await platform().put(`/integration/users/${id}`).send({ role: 'moderator', name: 'Léa', email });
      expect(first.body).toEqual({ id, role: 'moderator', name: 'Léa', email, created: true });
      const again = await platform().put(`/integration/users/${id}`).send({ role: 'moderator', name: 'Léa', email });
      expect(again.body).toEqual({ ...first.body, created: false });
      expect(await rowOf('users', id)).toMatchObject({ role: 'moderator', name: 'Léa', email, points: '0', erased_at: null });
    });

    it('keeps a name and e-mail left out, and removes them when sent as null (both optional)', async () => {
      const id = platformId();
      await platform().put(`/integration/users/${id}`).send({ role: 'client', name: 'Noé', email: `noe-${id}@example.com` }).expect(200);
      const kept = await platform().put(`/integration/users/${id}`).send({ role: 'client' });
      expect(kept.body).toMatchObject({ name: 'Noé', email: `noe-${id}@example.com` });
      const removed = await platform().put(`/integration/users/${id}`).send({ role: 'client', name: null, email: null });
      expect(removed.body).toMatchObject({ name: null, email: null });
      expect(await rowOf('users', id)).toMatchObject({ name: null, email: null });
    });

    it('answers 409 EMAIL_TAKEN for an e-mail another user has, and writes nothing', async () => {
      const email = `shared-${platformId()}@example.com`;
      await platform().put(`/integration/users/${platformId()}`).send({ role: 'client', email }).expect(200);
      const id = platformId();
      const response = await platform().put(`/integration/users/${id}`).send({ role: 'client', email });
      expect({ status: response.status, error: response.body.error }).toEqual({ status: 409, error: 'EMAIL_TAKEN' });
      expect(await rowOf('users', id)).toBeUndefined();
    });

    it.each([
      ['an unknown role', '1', { role: 'superuser' }],
      ['no role', '1', { name: 'x' }],
      ['an id that is not a positive integer', 'abc', { role: 'client' }],
      ['a 19-digit id', '1234567890123456789', { role: 'client' }],
      ['an empty name', '1', { role: 'client', name: '' }],
      ['an e-mail that is no address', '1', { role: 'client', email: 'nobody' }],
      ['an unknown field', '1', { role: 'client', nickname: 'x' }],
    ])('answers 400 VALIDATION_FAILED for %s', async (_, id, body) => {
      const target = id === '1' ? platformId() : id;
      const response = await platform().put(`/integration/users/${target}`).send(body);
      expect({ status: response.status, error: response.body.error }).toEqual({ status: 400, error: 'VALIDATION_FAILED' });
    });

    it('makes an admin only when asked here', async () => {
      const admin = await provision('admin');
      expect((await api(t, admin.token).get('/admin/packs')).status).toBe(200);
    });
  });

  describe('DELETE /integration/users/:id (erasure)', () => {
    it('removes the name and e-mail, keeps purchases, ledger and earnings, and `npm run ledger:verify` still passes', async () => {
      const moderator = await provision('moderator', { name: 'Léa', email: `lea-${platformId()}@example.com` });
      const profileId = await provisionProfile(moderator.id);
      const client = await provision('client', { name: 'Camille', email: `camille-${platformId()}@example.com` });
      const bought = await buy(t, client, profileId, '500');

      for (const user of [client, moderator]) expect((await platform().delete(`/integration/users/${user.id}`)).status).toBe(204);

      for (const user of [client, moderator]) expect(await rowOf('users', user.id)).toMatchObject({ name: null, email: null, erased_at: expect.any(Date) });
      expect((await rowOf('users', moderator.id)).points).toBe('500');
      const [purchase] = await t.db.query(`SELECT client_id, moderator_id, status FROM profile_point_transactions WHERE id = $1`, [bought.transactionId]);
      expect(purchase).toEqual({ client_id: client.id, moderator_id: moderator.id, status: 'completed' });
      expect(await t.db.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE transaction_id = $1`, [bought.transactionId])).toEqual([{ n: 2 }]);

      const verified = await run('node', ['-r', 'ts-node/register/transpile-only', 'scripts/ledger-verify.ts'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: process.env.TEST_DATABASE_URL },
        timeout: 60_000,
      });
      expect(verified.stdout).toMatch(/ledger verified: \d+ transfers, every cached balance matches/);
    }, 90_000);

    it("refuses the erased user's tokens on REST and in a socket handshake, at once, and tells the user lookup every later check asks", async () => {
      const client = await provision('client');
      expect((await api(t, client.token).get('/notifications')).status).toBe(200);
      (await NotificationsClient.connect(t.url, { token: client.token })).close();

      await platform().delete(`/integration/users/${client.id}`).expect(204);

      const rest = await api(t, client.token).get('/notifications');
      expect({ status: rest.status, message: rest.body.message }).toEqual({ status: 401, message: 'The token names a user who was erased' });
      const socket = await NotificationsClient.refusal(t.url, { token: client.token });
      expect(socket.data).toEqual({ status: 401, error: 'UNAUTHORIZED', message: 'The token names a user who was erased' });
      // The question an open socket's re-check asks: the erased user is no one.
      expect(await t.app.get(UsersService).findIdentity(client.id)).toBeNull();
    });

    it("closes the erased user's open socket within seconds, and leaves the others open", async () => {
      const erased = await provision('client');
      const bystander = await provision('client');
      const erasedSocket = await NotificationsClient.connect(t.url, { token: erased.token });
      const bystanderSocket = await NotificationsClient.connect(t.url, { token: bystander.token });
      try {
        await platform().delete(`/integration/users/${erased.id}`).expect(204);
        await expect(erasedSocket.disconnected(USER_RECHECK_MS + 2000)).resolves.toBe('io server disconnect');
        await sleep(200);
        expect(bystanderSocket.socket.connected).toBe(true);
      } finally {
        erasedSocket.close();
        bystanderSocket.close();
      }
    }, 20_000);

    it('is final: a later PUT of the id answers 410 USER_ERASED and changes nothing; erasing again answers 204', async () => {
      const client = await provision('client');
      await platform().delete(`/integration/users/${client.id}`).expect(204);
      const erasedAt = (await rowOf('users', client.id)).erased_at;

      const again = await platform().put(`/integration/users/${client.id}`).send({ role: 'admin', name: 'Back', email: `back-${client.id}@example.com` });
      expect({ status: again.status, error: again.body.error }).toEqual({ status: 410, error: 'USER_ERASED' });
      expect(await rowOf('users', client.id)).toMatchObject({ role: 'client', name: null, email: null });

      expect((await platform().delete(`/integration/users/${client.id}`)).status).toBe(204);
      expect((await rowOf('users', client.id)).erased_at).toEqual(erasedAt);
    });

    it('an erased moderator earns nothing more: later purchases in their interactions are held for the next one', async () => {
      const moderator = await provision('moderator');
      const profileId = await provisionProfile(moderator.id);
      const client = await provision('client');
      await buy(t, client, profileId, '100');
      await platform().delete(`/integration/users/${moderator.id}`).expect(204);

      await buy(t, client, profileId, '500');
      expect((await rowOf('users', moderator.id)).points).toBe('100');
      expect(await t.db.query(`SELECT held_points FROM profile_client_interactions WHERE client_id = $1`, [client.id])).toEqual([{ held_points: '500' }]);
      const next = await provision('moderator');
      expect((await platform().put(`/integration/profiles/${profileId}`).send({ name: 'Sophie', moderator_id: next.id })).body).toMatchObject({ releasedPoints: 500 });
      expect((await rowOf('users', next.id)).points).toBe('500');
    });

    it('answers 404 USER_NOT_FOUND for an id the service never had', async () => {
      const response = await platform().delete(`/integration/users/${platformId()}`);
      expect({ status: response.status, error: response.body.error }).toEqual({ status: 404, error: 'USER_NOT_FOUND' });
    });

    it('runs the after-erasure step (users.erased) in the erasure\'s transaction: its failure erases nothing', async () => {
      const client = await provision('client', { name: 'Kept' });
      const emitter = t.app.get(EventEmitter2);
      const failing = () => Promise.reject(new Error('after-erasure step failed'));
      // A listener's promise is what emitInTransaction awaits (EventBus: one listener after the other).
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      emitter.on('users.erased', failing);
      const logs = captureLogs();
      try {
        expect((await platform().delete(`/integration/users/${client.id}`)).status).toBe(500);
      } finally {
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        emitter.off('users.erased', failing);
      }
      expect(await rowOf('users', client.id)).toMatchObject({ name: 'Kept', erased_at: null });
      expect((await api(t, client.token).get('/notifications')).status).toBe(200);
      // The 500 is logged with its cause, which its body leaves out.
      expect(logs.messages('error')).toEqual([expect.stringMatching(/^DELETE \/integration\/users\/:id failed \[[\w-]+\]: after-erasure step failed$/)]);
    });
  });

  describe('PUT /integration/profiles/:id', () => {
    it('creates the profile with its moderator, then updates its name; the same request twice leaves the same state', async () => {
      const moderator = await provision('moderator');
      const id = platformId();
      const first = await platform().put(`/integration/profiles/${id}`).send({ name: 'Sophie', moderator_id: moderator.id });
      expect(first.body).toEqual({ id, name: 'Sophie', moderatorId: moderator.id, active: true, created: true, interactionIds: [], releasedPoints: 0 });
      const renamed = await platform().put(`/integration/profiles/${id}`).send({ name: 'Sophie B.', moderator_id: moderator.id });
      expect(renamed.body).toEqual({ ...first.body, name: 'Sophie B.', created: false });
      expect((await platform().put(`/integration/profiles/${id}`).send({ name: 'Sophie B.', moderator_id: moderator.id })).body).toEqual(renamed.body);
    });

    it('acts as PUT /profiles/:profile/moderator for a new moderator: the held points of its unhandled interactions go to them', async () => {
      const profileId = await provisionProfile(null);
      const client = await provision('client');
      const bought = await buy(t, client, profileId, '500');
      const [interaction] = await t.db.query<Array<{ id: string; held_points: string; moderator_id: string | null }>>(
        `SELECT id, held_points, moderator_id FROM profile_client_interactions WHERE client_id = $1 AND profile_id = $2`,
        [client.id, profileId],
      );
      expect(interaction).toMatchObject({ held_points: '500', moderator_id: null });

      const moderator = await provision('moderator');
      const response = await platform().put(`/integration/profiles/${profileId}`).send({ name: 'Sophie', moderator_id: moderator.id });
      expect(response.body).toMatchObject({ moderatorId: moderator.id, created: false, interactionIds: [interaction.id], releasedPoints: 500 });
      expect((await rowOf('users', moderator.id)).points).toBe('500');
      const [purchase] = await t.db.query(`SELECT moderator_id FROM profile_point_transactions WHERE id = $1`, [bought.transactionId]);
      expect(purchase).toEqual({ moderator_id: moderator.id });
      // Again: nothing more moves.
      expect((await platform().put(`/integration/profiles/${profileId}`).send({ name: 'Sophie', moderator_id: moderator.id })).body).toMatchObject({ releasedPoints: 0 });
      expect((await rowOf('users', moderator.id)).points).toBe('500');
    });

    it('answers 422 NOT_A_MODERATOR for a moderator_id that names a client, an erased moderator or nobody', async () => {
      const client = await provision('client');
      const erased = await provision('moderator');
      await platform().delete(`/integration/users/${erased.id}`).expect(204);
      for (const moderatorId of [client.id, erased.id, platformId()]) {
        const id = platformId();
        const response = await platform().put(`/integration/profiles/${id}`).send({ name: 'Sophie', moderator_id: moderatorId });
        expect({ status: response.status, error: response.body.error }).toEqual({ status: 422, error: 'NOT_A_MODERATOR' });
        expect(await rowOf('profiles', id)).toBeUndefined();
      }
    });

    it('refuses new checkouts with 409 PROFILE_INACTIVE while active is false (kept when left out), and keeps balances and spends', async () => {
      const moderator = await provision('moderator');
      const profileId = await provisionProfile(moderator.id);
      const client = await provision('client');
      await buy(t, client, profileId, '100');

      await platform().put(`/integration/profiles/${profileId}`).send({ name: 'Sophie', moderator_id: moderator.id, active: false }).expect(200);
      const refused = await api(t, client.token).post('/profile-points/checkout').send({ profile_id: profileId, pack: '100' });
      expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 409, error: 'PROFILE_INACTIVE' });
      expect(await t.db.query(`SELECT count(*)::int AS n FROM profile_point_transactions WHERE client_id = $1`, [client.id])).toEqual([{ n: 1 }]);
      const spent = await api(t, client.token).post('/profile-points/spend').send({ profile_id: profileId, points: 10, reason: 'message', idempotency_key: 'inactive-1' });
      expect(spent.body).toMatchObject({ balance: 90 });

      expect((await platform().put(`/integration/profiles/${profileId}`).send({ name: 'Sophie', moderator_id: moderator.id })).body).toMatchObject({ active: false });
      await platform().put(`/integration/profiles/${profileId}`).send({ name: 'Sophie', moderator_id: moderator.id, active: true }).expect(200);
      await checkout(t, client, profileId, '100');
    });
  });

  describe('balances and spends on the client\'s behalf', () => {
    it('answers {balance, spendable, balanceVersion}, the version growing with every change', async () => {
      const moderator = await provision('moderator');
      const profileId = await provisionProfile(moderator.id);
      const client = await provision('client');
      const balance = () => platform().get(`/integration/balances?client_id=${client.id}&profile_id=${profileId}`);

      expect((await balance()).body).toEqual({ balance: 0, spendable: 0, balanceVersion: 0 });
      await buy(t, client, profileId, '500');
      expect((await balance()).body).toEqual({ balance: 500, spendable: 500, balanceVersion: 1 });
      await platform().post('/integration/spend').send({ client_id: client.id, profile_id: profileId, points: 10, reason: 'message', idempotency_key: 'm-1' }).expect(200);
      expect((await balance()).body).toEqual({ balance: 490, spendable: 490, balanceVersion: 2 });
    });

    it('answers 404 for a client or a profile the service does not have', async () => {
      const profileId = await provisionProfile(null);
      const client = await provision('client');
      for (const [clientId, profile, error] of [
        [platformId(), profileId, 'USER_NOT_FOUND'],
        [client.id, platformId(), 'PROFILE_NOT_FOUND'],
      ]) {
        const response = await platform().get(`/integration/balances?client_id=${clientId}&profile_id=${profile}`);
        expect({ status: response.status, error: response.body.error }).toEqual({ status: 404, error });
      }
      expect((await platform().get(`/integration/balances?client_id=${client.id}`)).status).toBe(400);
    });

    it('spends exactly as POST /profile-points/spend: one idempotency key space per client, replays, overdraft refused', async () => {
      const moderator = await provision('moderator');
      const profileId = await provisionProfile(moderator.id);
      const client = await provision('client');
      await buy(t, client, profileId, '100');
      const body = { client_id: client.id, profile_id: profileId, points: 30, reason: 'message', idempotency_key: 'msg-42' };

      const first = await platform().post('/integration/spend').send(body);
      expect(first.body).toMatchObject({ points: 30, balance: 70, replayed: false, allocations: [expect.objectContaining({ points: 30, moderatorId: moderator.id })] });
      expect((await platform().post('/integration/spend').send(body)).body).toEqual({ ...first.body, replayed: true });
      // The client's own route with the same key answers the same spend: one key space.
      const own = await api(t, client.token).post('/profile-points/spend').send({ profile_id: profileId, points: 30, reason: 'message', idempotency_key: 'msg-42' });
      expect(own.body).toEqual({ ...first.body, replayed: true });

      const reused = await platform().post('/integration/spend').send({ ...body, points: 31 });
      expect({ status: reused.status, error: reused.body.error }).toEqual({ status: 422, error: 'IDEMPOTENCY_KEY_REUSED' });
      const overdraft = await platform().post('/integration/spend').send({ ...body, points: 71, idempotency_key: 'msg-43' });
      expect({ status: overdraft.status, error: overdraft.body.error }).toEqual({ status: 409, error: 'INSUFFICIENT_POINTS' });
      expect(await t.db.query(`SELECT points_balance FROM profile_client_interactions WHERE client_id = $1`, [client.id])).toEqual([{ points_balance: '70' }]);
    });

    it('spends concurrently without overdrawing', async () => {
      const profileId = await provisionProfile((await provision('moderator')).id);
      const client = await provision('client');
      await buy(t, client, profileId, '100');
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => platform().post('/integration/spend').send({ client_id: client.id, profile_id: profileId, points: 30, reason: 'message', idempotency_key: `c-${i}` })),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3);
      expect(answers.filter((answer) => answer.status === 409)).toHaveLength(5);
      expect(await t.db.query(`SELECT points_balance FROM profile_client_interactions WHERE client_id = $1`, [client.id])).toEqual([{ points_balance: '10' }]);
    });

    it('refuses to spend for an erased client (410) or an unknown one (404)', async () => {
      const profileId = await provisionProfile(null);
      const erased = await provision('client');
      await platform().delete(`/integration/users/${erased.id}`).expect(204);
      for (const [clientId, status, error] of [
        [erased.id, 410, 'USER_ERASED'],
        [platformId(), 404, 'USER_NOT_FOUND'],
      ] as const) {
        const response = await platform().post('/integration/spend').send({ client_id: clientId, profile_id: profileId, points: 1, reason: 'message', idempotency_key: 'x' });
        expect({ status: response.status, error: response.body.error }).toEqual({ status, error });
      }
    });
  });

  describe('payout details, grants and erasure with the money (SPEC §11)', () => {
    const IBAN = 'FR76 3000 6000 0112 3456 7890 189';
    const detailsOf = async (userId: string) =>
      (await t.db.query<Array<{ iban: string | null; holder_name: string | null; erased_at: Date | null }>>(`SELECT iban, holder_name, erased_at FROM payout_details WHERE user_id = $1`, [userId]))[0];

    it('stores a moderator\'s payout details given with the user, and refuses a bad IBAN with 400, writing nothing', async () => {
      const id = platformId();
      const created = await platform().put(`/integration/users/${id}`).send({ role: 'moderator', payout: { iban: IBAN, name: 'Léa Martin' } });
      expect(created.status).toBe(200);
      expect(await detailsOf(id)).toMatchObject({ iban: 'FR7630006000011234567890189', holder_name: 'Léa Martin', erased_at: null });
      const admins = await t.db.query(`SELECT 1 FROM outbox_events WHERE type = 'payout_details.changed' AND payload->>'moderatorId' = $1`, [id]);
      expect(admins).toHaveLength(1);

      const other = platformId();
      const refused = await platform().put(`/integration/users/${other}`).send({ role: 'moderator', payout: { iban: 'FR76 3000 6000 0112 3456 7890 188', name: 'Léa Martin' } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('INVALID_IBAN');
      expect(await rowOf('users', other)).toBeUndefined();
      expect(await detailsOf(other)).toBeUndefined();
    });

    it('erasing a moderator removes their payout details for good and cancels their pending payouts', async () => {
      const moderator = await provision('moderator');
      expect((await platform().put(`/integration/users/${moderator.id}`).send({ role: 'moderator', payout: { iban: IBAN, name: 'Léa Martin' } })).status).toBe(200);
      const [run] = await t.db.query<Array<{ id: string }>>(`INSERT INTO payout_runs (until, minimum_cents) VALUES (now(), 500) RETURNING id`);
      await t.db.query(
        `INSERT INTO payouts (run_id, moderator_id, currency, amount_cents, status, iban, holder_name) VALUES ($1, $2, 'eur', 500, 'pending', 'FR7630006000011234567890189', 'Léa Martin')`,
        [run.id, moderator.id],
      );

      expect((await platform().delete(`/integration/users/${moderator.id}`)).status).toBe(204);

      expect(await detailsOf(moderator.id)).toMatchObject({ iban: null, holder_name: null, erased_at: expect.any(Date) });
      const payouts = await t.db.query<Array<{ status: string }>>(`SELECT status FROM payouts WHERE moderator_id = $1`, [moderator.id]);
      expect(payouts).toEqual([{ status: 'cancelled' }]);
      expect((await platform().put(`/integration/users/${moderator.id}`).send({ role: 'moderator', payout: { iban: IBAN, name: 'Léa' } })).status).toBe(410);
    });

    it('gives promotional points on the platform\'s behalf exactly as POST /admin/grants: once per idempotency key', async () => {
      const moderator = await provision('moderator');
      const client = await provision('client');
      const profileId = await provisionProfile(moderator.id);
      const grant = { client_id: client.id, profile_id: profileId, points: 40, reason: 'welcome bonus', idempotency_key: `welcome-${client.id}` };

      const first = await platform().post('/integration/grants').send(grant);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ clientId: client.id, profileId, points: 40, balance: 40, replayed: false });
      const again = await platform().post('/integration/grants').send(grant);
      expect(again.body).toMatchObject({ grantId: first.body.grantId, balance: 40, replayed: true });
      expect((await platform().post('/integration/grants').send({ ...grant, points: 41 })).status).toBe(422);

      const balance = await platform().get(`/integration/balances?client_id=${client.id}&profile_id=${profileId}`);
      expect(balance.body).toEqual({ balance: 40, spendable: 40, balanceVersion: 1 });
      const [row] = await t.db.query<Array<{ granted_by: string | null }>>(`SELECT granted_by FROM point_grants WHERE id = $1`, [first.body.grantId]);
      expect(row.granted_by).toBeNull();
    });

    it('refuses a grant to a client it never had (404) and to an erased one (410), writing nothing', async () => {
      const moderator = await provision('moderator');
      const profileId = await provisionProfile(moderator.id);
      const erased = await provision('client');
      await platform().delete(`/integration/users/${erased.id}`).expect(204);
      const grant = (clientId: string) => ({ client_id: clientId, profile_id: profileId, points: 40, reason: 'welcome bonus', idempotency_key: `welcome-${clientId}` });

      const unknown = await platform().post('/integration/grants').send(grant(platformId()));
      expect([unknown.status, unknown.body.error]).toEqual([404, 'USER_NOT_FOUND']);
      const gone = await platform().post('/integration/grants').send(grant(erased.id));
      expect([gone.status, gone.body.error]).toEqual([410, 'USER_ERASED']);
      expect(await t.db.query(`SELECT id FROM point_grants WHERE client_id = $1`, [erased.id])).toEqual([]);
    });
  });

  describe('demotion', () => {
    it('a moderator made client through PUT /integration/users/:id earns nothing more: later purchases in their interactions are held', async () => {
      const moderator = await provision('moderator');
      const profileId = await provisionProfile(moderator.id);
      const client = await provision('client');
      await buy(t, client, profileId, '500');
      expect((await rowOf('users', moderator.id)).points).toBe('500');

      await platform().put(`/integration/users/${moderator.id}`).send({ role: 'client' }).expect(200);
      expect((await api(t, moderator.token).get('/moderators/me/points')).status).toBe(403);

      await buy(t, client, profileId, '100');
      expect((await rowOf('users', moderator.id)).points).toBe('500');
      expect(await t.db.query(`SELECT points_balance, held_points FROM profile_client_interactions WHERE client_id = $1`, [client.id])).toEqual([
        { points_balance: '600', held_points: '100' },
      ]);
    });
  });
});
