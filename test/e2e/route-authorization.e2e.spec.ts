import { createProfile, createUser, TestProfile, TestUser } from '../factories';
import { api } from '../support/http';
import { platformId } from '../support/jwks';
import { buy } from '../support/purchases';
import { servedRoutes } from '../support/routes';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

/**
 * Every served route × every role, each cell its own test. The roles, around one real purchase:
 * the client who made it, the moderator who runs its profile, another moderator, an admin, and
 * nobody (no token), and the platform's backend (INTEGRATION_TOKEN). An allowed cell makes a valid request and must succeed; a refused one must be
 * 403 (401 without a token) and change nothing. A route missing from the table fails the suite, so a
 * new route cannot ship without an authorization decision.
 */
type Role = 'client' | 'moderator' | 'other moderator' | 'admin' | 'anonymous' | 'platform';
/** `platform`: the platform's backend, with INTEGRATION_TOKEN (no user token). */
const ROLES: Role[] = ['client', 'moderator', 'other moderator', 'admin', 'anonymous', 'platform'];
const INTEGRATION_TOKEN = 'route-authorization-integration-token-1f4e8a2c9d07';

interface Fixture {
  client: TestUser;
  otherClient: TestUser;
  moderator: TestUser;
  otherModerator: TestUser;
  admin: TestUser;
  profile: TestProfile;
  spareProfile: TestProfile;
  transactionId: string;
  sessionId: string;
  interactionId: string;
  notificationId: string;
  /** A user the platform may erase (the other cells need theirs). */
  erasable: TestUser;
  /** An early fraud warning that holds a purchase of the client. */
  warningId: string;
  payoutRunId: string;
  /** Two pending payouts of that run: one to mark paid, one to cancel. */
  payoutIds: [string, string];
}

interface Call {
  method: 'get' | 'post' | 'put' | 'delete';
  url: string;
  body?: object;
  /** An NDJSON body (the import). */
  ndjson?: string;
  /** A Stripe event sent as these exact bytes, signed with the webhook secret. */
  stripeEvent?: string;
}

interface RouteRule {
  /** Who may call it; `everyone` for public routes (no token needed). */
  allowed: Role[] | 'everyone';
  status: number;
  call(f: Fixture): Call;
  /** The error code of a 403, when the route refuses with its own. */
  refusal?: string;
  /** Refused callers get a 401 (the integration routes know no user, so no role is forbidden, only unknown). */
  refusedWith401?: boolean;
  /** For a mutation: the state it would change, read before and after a refused call. */
  state?(f: Fixture, t: TestApp, call: Call): Promise<unknown>;
}

let sequence = 0;
const unique = () => `${Date.now() % 100_000}${++sequence}`.slice(-9);
/** Packs the admin calls create: removed after the suite, so that the shared catalogue other suites show stays as seeded. */
const createdPacks: string[] = [];

const ADMIN: Role[] = ['admin'];
const PLATFORM: Role[] = ['platform'];
const userOf = (call: Call) => call.url.split('/')[3];
const CLIENT: Role[] = ['client'];
const SIGNED_IN: Role[] = ['client', 'moderator', 'other moderator', 'admin'];

const RULES: Record<string, RouteRule> = {
  'get /health': { allowed: 'everyone', status: 200, call: () => ({ method: 'get', url: '/health' }) },
  'get /health/live': { allowed: 'everyone', status: 200, call: () => ({ method: 'get', url: '/health/live' }) },
  'get /health/ready': { allowed: 'everyone', status: 200, call: () => ({ method: 'get', url: '/health/ready' }) },
  // Open here: METRICS_TOKEN is not set (test/e2e/metrics.e2e.spec.ts covers the token).
  'get /metrics': { allowed: 'everyone', status: 200, call: () => ({ method: 'get', url: '/metrics' }) },
  'post /stripe/webhook': {
    allowed: 'everyone',
    status: 200,
    call: () => ({
      method: 'post',
      url: '/stripe/webhook',
      stripeEvent: JSON.stringify({ id: `evt_auth_${unique()}`, object: 'event', type: 'customer.created', created: 1, data: { object: {} } }),
    }),
  },
  'get /admin/packs': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/packs' }) },
  'post /admin/packs': {
    allowed: ADMIN,
    status: 201,
    call: () => {
      const code = unique();
      createdPacks.push(code);
      return { method: 'post', url: '/admin/packs', body: { code, points: 42, amount_cents: 420, currency: 'eur' } };
    },
    state: (_f, t, call) => t.db.query(`SELECT * FROM point_packs WHERE code = $1`, [(call.body as { code: string }).code]),
  },
  'put /admin/packs/{code}': {
    allowed: ADMIN,
    status: 200,
    call: () => ({ method: 'put', url: '/admin/packs/100', body: { amount_cents: 299 } }),
    state: (_f, t) => t.db.query(`SELECT * FROM point_packs WHERE code = '100'`),
  },
  'get /admin/summary': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/summary' }) },
  'get /admin/transactions': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/transactions' }) },
  'get /admin/transactions.csv': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/transactions.csv' }) },
  'get /admin/transactions/stuck': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/transactions/stuck' }) },
  'get /admin/reconciliation': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/reconciliation' }) },
  'post /admin/reconciliation/run': { allowed: ADMIN, status: 200, call: () => ({ method: 'post', url: '/admin/reconciliation/run', body: {} }) },
  'get /admin/platform-events': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/platform-events' }) },
  // No PLATFORM_WEBHOOK_URL in this suite: past the guards, an admin learns there is nowhere to send.
  'post /admin/platform-events/{id}/retry': {
    allowed: ADMIN,
    status: 409,
    call: () => ({ method: 'post', url: '/admin/platform-events/1/retry', body: {} }),
    state: (_f, t) => t.db.query(`SELECT * FROM platform_event_attempts ORDER BY id`),
  },
  'put /profiles/{profile}/moderator': {
    allowed: ADMIN,
    status: 200,
    call: (f) => ({ method: 'put', url: `/profiles/${f.spareProfile.id}/moderator`, body: { moderator_id: f.otherModerator.id } }),
    state: (f, t) => t.db.query(`SELECT * FROM profiles WHERE id = $1`, [f.spareProfile.id]),
  },
  'put /interactions/{interaction}/moderator': {
    allowed: ADMIN,
    status: 200,
    call: (f) => ({ method: 'put', url: `/interactions/${f.interactionId}/moderator`, body: { moderator_id: f.moderator.id } }),
    state: (f, t) => t.db.query(`SELECT * FROM profile_client_interactions WHERE id = $1`, [f.interactionId]),
  },
  'get /moderators/me/points': { allowed: ['moderator', 'other moderator'], status: 200, call: () => ({ method: 'get', url: '/moderators/me/points' }) },
  'put /moderators/me/payout-details': {
    allowed: ['moderator', 'other moderator'],
    status: 200,
    call: () => ({ method: 'put', url: '/moderators/me/payout-details', body: { iban: 'DE89370400440532013000', name: 'Camille Martin' } }),
    state: (_f, t) => t.db.query(`SELECT count(*)::int AS details FROM payout_details`),
  },
  'get /moderators/me/payout-details': { allowed: ['moderator', 'other moderator'], status: 200, call: () => ({ method: 'get', url: '/moderators/me/payout-details' }) },
  'get /moderators/me/statements/{month}': {
    allowed: ['moderator', 'other moderator'],
    status: 200,
    call: () => ({ method: 'get', url: `/moderators/me/statements/${new Date().toISOString().slice(0, 7)}` }),
  },
  'get /admin/moderators/{id}/statements/{month}': {
    allowed: ADMIN,
    status: 200,
    call: (f) => ({ method: 'get', url: `/admin/moderators/${f.moderator.id}/statements/${new Date().toISOString().slice(0, 7)}` }),
  },
  'post /admin/grants': {
    allowed: ADMIN,
    status: 200,
    call: (f) => ({ method: 'post', url: '/admin/grants', body: { client_id: f.client.id, profile_id: f.profile.id, points: 1, reason: 'auth', idempotency_key: `auth-${unique()}` } }),
    state: (_f, t) => t.db.query(`SELECT (SELECT count(*)::int FROM point_grants) AS grants, (SELECT sum(points_balance)::int FROM profile_client_interactions) AS balances`),
  },
  'get /admin/fraud-warnings': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/fraud-warnings' }) },
  'post /admin/fraud-warnings/{id}/release': {
    allowed: ADMIN,
    status: 200,
    call: (f) => ({ method: 'post', url: `/admin/fraud-warnings/${f.warningId}/release` }),
    state: (f, t) => t.db.query(`SELECT fraud_warning_status FROM profile_point_transactions WHERE fraud_warning_id = $1`, [f.warningId]),
  },
  'post /admin/payout-runs': {
    allowed: ADMIN,
    status: 201,
    call: () => ({ method: 'post', url: '/admin/payout-runs', body: { until: new Date(Date.now() - Number(unique())).toISOString() } }),
    state: (_f, t) => t.db.query(`SELECT count(*)::int AS runs FROM payout_runs`),
  },
  'get /admin/payout-runs': { allowed: ADMIN, status: 200, call: () => ({ method: 'get', url: '/admin/payout-runs' }) },
  'get /admin/payout-runs/{id}': { allowed: ADMIN, status: 200, call: (f) => ({ method: 'get', url: `/admin/payout-runs/${f.payoutRunId}` }) },
  'get /admin/payout-runs/{id}/file': { allowed: ADMIN, status: 200, call: (f) => ({ method: 'get', url: `/admin/payout-runs/${f.payoutRunId}/file?format=csv` }) },
  'post /admin/payouts/{id}/paid': {
    allowed: ADMIN,
    status: 200,
    call: (f) => ({ method: 'post', url: `/admin/payouts/${f.payoutIds[0]}/paid` }),
    state: (f, t) => t.db.query(`SELECT status FROM payouts WHERE id = $1`, [f.payoutIds[0]]),
  },
  'post /admin/payouts/{id}/cancel': {
    allowed: ADMIN,
    status: 200,
    call: (f) => ({ method: 'post', url: `/admin/payouts/${f.payoutIds[1]}/cancel` }),
    state: (f, t) => t.db.query(`SELECT status FROM payouts WHERE id = $1`, [f.payoutIds[1]]),
  },
  'get /notifications': { allowed: SIGNED_IN, status: 200, call: () => ({ method: 'get', url: '/notifications' }) },
  'post /notifications/read': { allowed: SIGNED_IN, status: 200, call: () => ({ method: 'post', url: '/notifications/read', body: { ids: ['1'] } }) },
  'post /profile-points/checkout': {
    allowed: CLIENT,
    status: 201,
    call: (f) => ({ method: 'post', url: '/profile-points/checkout', body: { profile_id: f.profile.id, pack: '100' } }),
    state: (_f, t) => t.db.query(`SELECT count(*)::int AS purchases FROM profile_point_transactions`),
  },
  'get /profile-points/success': { allowed: CLIENT, status: 200, call: (f) => ({ method: 'get', url: `/profile-points/success?session_id=${f.sessionId}` }) },
  'get /profile-points/transactions/client': { allowed: CLIENT, status: 200, call: () => ({ method: 'get', url: '/profile-points/transactions/client' }) },
  'get /profile-points/transactions/profile/{profile}': {
    allowed: ['client', 'moderator', 'admin'],
    status: 200,
    call: (f) => ({ method: 'get', url: `/profile-points/transactions/profile/${f.profile.id}` }),
    refusal: 'NOT_PROFILE_MODERATOR',
  },
  'get /profile/{profile}/points': { allowed: CLIENT, status: 200, call: (f) => ({ method: 'get', url: `/profile/${f.profile.id}/points` }) },
  'post /profile-points/spend': {
    allowed: CLIENT,
    status: 200,
    call: (f) => ({ method: 'post', url: '/profile-points/spend', body: { profile_id: f.profile.id, points: 1, reason: 'message', idempotency_key: `auth-${unique()}` } }),
    state: (_f, t) => t.db.query(`SELECT (SELECT count(*)::int FROM point_spends) AS spends, (SELECT sum(points_balance)::int FROM profile_client_interactions) AS balances`),
  },
  'put /integration/users/{id}': {
    allowed: PLATFORM,
    status: 200,
    refusedWith401: true,
    call: () => ({ method: 'put', url: `/integration/users/${platformId()}`, body: { role: 'admin' } }),
    state: (_f, t, call) => t.db.query(`SELECT * FROM users WHERE id = $1`, [userOf(call)]),
  },
  'delete /integration/users/{id}': {
    allowed: PLATFORM,
    status: 204,
    refusedWith401: true,
    call: (f) => ({ method: 'delete', url: `/integration/users/${f.erasable.id}` }),
    state: (f, t) => t.db.query(`SELECT * FROM users WHERE id = $1`, [f.erasable.id]),
  },
  'put /integration/profiles/{id}': {
    allowed: PLATFORM,
    status: 200,
    refusedWith401: true,
    call: () => ({ method: 'put', url: `/integration/profiles/${platformId()}`, body: { name: 'Zoé', moderator_id: null } }),
    state: (_f, t, call) => t.db.query(`SELECT * FROM profiles WHERE id = $1`, [userOf(call)]),
  },
  'get /integration/balances': {
    allowed: PLATFORM,
    status: 200,
    refusedWith401: true,
    call: (f) => ({ method: 'get', url: `/integration/balances?client_id=${f.client.id}&profile_id=${f.profile.id}` }),
  },
  'post /integration/spend': {
    allowed: PLATFORM,
    status: 200,
    refusedWith401: true,
    call: (f) => ({
      method: 'post',
      url: '/integration/spend',
      body: { client_id: f.client.id, profile_id: f.profile.id, points: 1, reason: 'message', idempotency_key: `auth-${unique()}` },
    }),
    state: (_f, t) => t.db.query(`SELECT (SELECT count(*)::int FROM point_spends) AS spends, (SELECT sum(points_balance)::int FROM profile_client_interactions) AS balances`),
  },
  'post /integration/grants': {
    allowed: PLATFORM,
    status: 200,
    refusedWith401: true,
    call: (f) => ({
      method: 'post',
      url: '/integration/grants',
      body: { client_id: f.client.id, profile_id: f.profile.id, points: 1, reason: 'auth', idempotency_key: `auth-${unique()}` },
    }),
    state: (_f, t) => t.db.query(`SELECT (SELECT count(*)::int FROM point_grants) AS grants, (SELECT sum(points_balance)::int FROM profile_client_interactions) AS balances`),
  },
  'post /integration/import': {
    allowed: PLATFORM,
    status: 200,
    refusedWith401: true,
    call: () => ({ method: 'post', url: '/integration/import', ndjson: `{"type":"user","id":"${platformId()}","role":"admin"}\n` }),
    state: (_f, t, call) => t.db.query(`SELECT * FROM users WHERE id = $1`, [(JSON.parse(call.ndjson!) as { id: string }).id]),
  },
};

describe('Authorization: every route × every role', () => {
  let t: TestApp;
  let f: Fixture;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_INTERVAL_MS: '0', INTEGRATION_TOKEN });
    const moderator = await createUser(t.db, 'moderator');
    const otherModerator = await createUser(t.db, 'moderator');
    const profile = await createProfile(t.db, moderator);
    await createProfile(t.db, otherModerator, 'Other');
    const spareProfile = await createProfile(t.db, null, 'Spare');
    const client = await createUser(t.db, 'client');
    const bought = await buy(t, client, profile.id, '500');
    const notified = () => t.db.query<Array<{ id: string }>>(`SELECT id FROM notifications WHERE user_id = $1 ORDER BY id LIMIT 1`, [client.id]);
    await waitUntil(async () => (await notified()).length > 0);
    const [notification] = await notified();
    const [interaction] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM profile_client_interactions WHERE client_id = $1`, [client.id]);
    const warned = await buy(t, client, profile.id, '100');
    await t.emulator.earlyFraudWarning(warned.chargeId);
    const [{ fraud_warning_id: warningId }] = await t.db.query<Array<{ fraud_warning_id: string }>>(
      `SELECT fraud_warning_id FROM profile_point_transactions WHERE id = $1`,
      [warned.transactionId],
    );
    const [run] = await t.db.query<Array<{ id: string }>>(`INSERT INTO payout_runs (until, minimum_cents) VALUES (now() - interval '400 days', 1) RETURNING id`);
    const payouts = await t.db.query<Array<{ id: string }>>(
      `INSERT INTO payouts (run_id, moderator_id, currency, amount_cents, iban, holder_name)
       VALUES ($1, $2, 'eur', 100, 'DE89370400440532013000', 'A'), ($1, $2, 'usd', 100, 'DE89370400440532013000', 'A') RETURNING id`,
      [run.id, moderator.id],
    );
    f = {
      client,
      otherClient: await createUser(t.db, 'client'),
      moderator,
      otherModerator,
      admin: await createUser(t.db, 'admin'),
      profile,
      spareProfile,
      transactionId: bought.transactionId,
      sessionId: bought.sessionId,
      interactionId: interaction.id,
      notificationId: notification.id,
      erasable: await createUser(t.db, 'client'),
      warningId,
      payoutRunId: run.id,
      payoutIds: [payouts[0].id, payouts[1].id],
    };
  });
  afterAll(async () => {
    await t?.db.query(`DELETE FROM point_packs WHERE code = ANY($1)`, [createdPacks]);
    await t?.close();
  });

  function tokenOf(role: Role): string | undefined {
    if (role === 'platform') return INTEGRATION_TOKEN;
    return { client: f.client, moderator: f.moderator, 'other moderator': f.otherModerator, admin: f.admin, anonymous: undefined }[role]?.token;
  }

  function send(call: Call, token: string | undefined) {
    const pending = api(t, token)[call.method](call.url);
    if (call.stripeEvent) {
      return pending.set('Content-Type', 'application/json').set('Stripe-Signature', t.emulator.signPayload(call.stripeEvent)).send(call.stripeEvent);
    }
    if (call.ndjson !== undefined) return pending.set('Content-Type', 'application/x-ndjson').send(call.ndjson);
    return call.body ? pending.send(call.body) : pending;
  }

  it('has a rule for every route the service serves, and no rule for a route it does not', () => {
    const served = servedRoutes(t.app)
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    expect(served).toEqual(Object.keys(RULES).sort());
  });

  const cells = Object.entries(RULES).flatMap(([route, rule]) =>
    ROLES.map((role) => {
      const allowed = rule.allowed === 'everyone' || rule.allowed.includes(role);
      const expected = allowed ? rule.status : role === 'anonymous' || role === 'platform' || rule.refusedWith401 ? 401 : 403;
      return { route, role, rule, allowed, expected };
    }),
  );

  it.each(cells.map((cell) => [cell.route, cell.role, cell.expected, cell]))('%s as %s → %i', async (_route, role, expected, cell) => {
    const call = cell.rule.call(f);
    const before = await cell.rule.state?.(f, t, call);
    const response = await send(call, tokenOf(role));
    expect(response.status).toBe(expected);
    if (cell.allowed) return;
    expect((response.body as { error: string }).error).toBe(expected === 401 ? 'UNAUTHORIZED' : (cell.rule.refusal ?? 'FORBIDDEN'));
    if (cell.rule.state) expect(await cell.rule.state(f, t, call)).toEqual(before);
  });

  describe('resources of someone else', () => {
    it("another client sees none of the client's purchases for the profile", async () => {
      const response = await api(t, f.otherClient.token).get(`/profile-points/transactions/profile/${f.profile.id}`);
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([]);
      const own = await api(t, f.client.token).get(`/profile-points/transactions/profile/${f.profile.id}`);
      expect((own.body.items as Array<{ id: string }>).map((item) => item.id)).toContain(f.transactionId);
    });

    it("another client cannot look up the client's checkout session", async () => {
      const response = await api(t, f.otherClient.token).get(`/profile-points/success?session_id=${f.sessionId}`);
      expect(response.status).toBe(404);
    });

    it("nobody else can mark the client's notification read", async () => {
      for (const user of [f.otherClient, f.moderator, f.admin]) {
        const response = await api(t, user.token).post('/notifications/read').send({ ids: [f.notificationId] });
        expect(response.body).toEqual({ updated: 0 });
      }
      const [row] = await t.db.query<Array<{ read_at: Date | null }>>(`SELECT read_at FROM notifications WHERE id = $1`, [f.notificationId]);
      expect(row.read_at).toBeNull();
    });

    it("another moderator sees only their own earnings, not the profile moderator's", async () => {
      const mine = await api(t, f.moderator.token).get('/moderators/me/points');
      const theirs = await api(t, f.otherModerator.token).get('/moderators/me/points');
      expect(mine.body.balance).toBe(600);
      expect(theirs.body).toMatchObject({ balance: 0, history: { items: [] } });
    });

    it("another client's spend never touches the client's balance", async () => {
      const response = await api(t, f.otherClient.token)
        .post('/profile-points/spend')
        .send({ profile_id: f.profile.id, points: 1, reason: 'message', idempotency_key: 'not-mine' });
      expect(response.status).toBe(409);
      expect(response.body.error).toBe('INSUFFICIENT_POINTS');
    });
  });
});
