import { PayoutDetailsService } from '../../src/payouts/payout-details.service';
import { createProfile, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { currentMonth, DEBTOR_ENV, IBANS } from '../support/payouts';
import { Bought, buy } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

interface RunAnswer {
  id: string;
  until: string;
  payouts: Array<{ id: string; moderatorId: string; currency: string; amountCents: number; status: string }>;
  skipped: Array<{ moderatorId: string; currency: string; amountCents: number; reason: string }>;
}

/**
 * Payout runs (SPEC §11) on a database of their own (a run pays every moderator of the database),
 * PAYOUT_MINIMUM_CENTS=500, earnings available at once. Every test makes its own moderators and
 * reads the runs for them only: a run pays whoever has money, those of earlier tests included.
 */
describe('Payout runs', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  let admins: TestUser[];
  let client: TestUser;

  beforeAll(async () => {
    database = await createIsolatedDatabase('payout_runs');
    t = await startTestApp({ DATABASE_URL: database.url, PAYOUT_MINIMUM_CENTS: '500', EARNINGS_MATURITY_DAYS: '0', RECONCILE_INTERVAL_MS: '0', ...DEBTOR_ENV });
    admins = [await createUser(t.db, 'admin'), await createUser(t.db, 'admin')];
    client = await createUser(t.db, 'client');
  });
  afterEach(async () => {
    await t.emulator.idle();
    expect(await ledgerDrift(t.db)).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  /** An `until` after everything written so far (money is counted up to it), a new one on each call. */
  const now = async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return new Date().toISOString();
  };

  /** A moderator with a profile, payout details (unless `details` is false) and purchases of these packs. */
  async function earner(packs: string[], details = true): Promise<{ moderator: TestUser; profileId: string; bought: Bought[] }> {
    const moderator = await createUser(t.db, 'moderator');
    const profile = await createProfile(t.db, moderator);
    if (details) {
      expect((await api(t, moderator.token).put('/moderators/me/payout-details').send({ iban: IBANS[Number(moderator.id) % IBANS.length], name: `Moderator ${moderator.id}` })).status).toBe(200);
    }
    const bought: Bought[] = [];
    for (const pack of packs) bought.push(await buy(t, client, profile.id, pack));
    return { moderator, profileId: profile.id, bought };
  }

  const run = async (until: string, admin = admins[0]) => api(t, admin.token).post('/admin/payout-runs').send({ until });
  const of = (answer: RunAnswer, moderator: TestUser) => answer.payouts.filter((payout) => payout.moderatorId === moderator.id);
  const money = async (moderator: TestUser) => (await api(t, moderator.token).get('/moderators/me/points')).body.money as Array<Record<string, number | string>>;

  it('makes one run when eight admins press the button at once with the same until: one 201, the others 200 with the same run', async () => {
    const { moderator } = await earner(['500', '1000']);
    const until = await now();

    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => run(until, admins[i % 2])));

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    const [{ runs }] = await t.db.query<Array<{ runs: number }>>(`SELECT count(*)::int AS runs FROM payout_runs WHERE until = $1`, [until]);
    expect(runs).toBe(1);
    // 30 % of 9.99 + 16.99 € = 3.00 + 5.10.
    expect(of(answers[0].body as RunAnswer, moderator)).toEqual([expect.objectContaining({ amountCents: 810, currency: 'eur', status: 'pending' })]);
    const [{ payouts }] = await t.db.query<Array<{ payouts: number }>>(`SELECT count(*)::int AS payouts FROM payouts WHERE moderator_id = $1`, [moderator.id]);
    expect(payouts).toBe(1);
  });

  it('never pays the same money twice when admins make runs of different untils at once', async () => {
    const moderators = await Promise.all([earner(['1000']), earner(['1000', '500']), earner(['500', '500'])]);
    const first = await now();
    const untils = Array.from({ length: 6 }, (_, i) => new Date(new Date(first).getTime() - i).toISOString());

    const answers = await Promise.all(untils.map((until, i) => run(until, admins[i % 2])));

    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201, 201]);
    for (const { moderator } of moderators) {
      const paid = answers.flatMap((answer) => of(answer.body as RunAnswer, moderator));
      expect(paid).toHaveLength(1);
      expect(await money(moderator)).toEqual([expect.objectContaining({ availableCents: 0, inPayoutCents: paid[0].amountCents })]);
    }
    expect(moderators.map(({ moderator }) => answers.flatMap((answer) => of(answer.body as RunAnswer, moderator))[0].amountCents)).toEqual([510, 810, 600]);
  });

  it('skips a moderator without payout details, and holds back money below the minimum; both wait for a later run', async () => {
    const unknown = await earner(['1000'], false);
    const small = await earner(['100']);

    const first = (await run(await now())).body as RunAnswer;

    expect(of(first, unknown.moderator)).toEqual([]);
    expect(first.skipped.filter((skip) => skip.moderatorId === unknown.moderator.id)).toEqual([{ moderatorId: unknown.moderator.id, currency: 'eur', amountCents: 510, reason: 'no_payout_details' }]);
    expect(of(first, small.moderator)).toEqual([]);
    expect(first.skipped.some((skip) => skip.moderatorId === small.moderator.id)).toBe(false);
    expect(await money(small.moderator)).toEqual([expect.objectContaining({ availableCents: 90, inPayoutCents: 0 })]);

    await api(t, unknown.moderator.token).put('/moderators/me/payout-details').send({ iban: IBANS[1], name: 'Now Known' }).expect(200);
    for (let i = 0; i < 5; i++) await buy(t, client, small.profileId, '100');
    const second = (await run(await now())).body as RunAnswer;

    expect(of(second, unknown.moderator)).toEqual([expect.objectContaining({ amountCents: 510 })]);
    // Six packs of 2.99 €: 6 × 0.90 = 5.40 €, over the minimum now.
    expect(of(second, small.moderator)).toEqual([expect.objectContaining({ amountCents: 540 })]);
  });

  it('pays only new money on the next run while a payout is pending; a cancelled payout is available again', async () => {
    const { moderator, profileId } = await earner(['1000']);
    const first = (await run(await now())).body as RunAnswer;
    const [payout] = of(first, moderator);
    expect(payout.amountCents).toBe(510);

    await buy(t, client, profileId, '1000');
    const second = (await run(await now())).body as RunAnswer;
    expect(of(second, moderator)).toEqual([expect.objectContaining({ amountCents: 510 })]);
    expect(await money(moderator)).toEqual([expect.objectContaining({ availableCents: 0, inPayoutCents: 1020 })]);

    const cancelled = await api(t, admins[1].token).post(`/admin/payouts/${payout.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: payout.id, status: 'cancelled' });
    expect(await money(moderator)).toEqual([expect.objectContaining({ availableCents: 510, inPayoutCents: 510 })]);
    const third = (await run(await now())).body as RunAnswer;
    expect(of(third, moderator)).toEqual([expect.objectContaining({ amountCents: 510 })]);
  });

  it('moves a payout from pending to paid or cancelled once: a second transition answers 409, an unknown payout 404', async () => {
    const { moderator } = await earner(['1000']);
    const [payout] = of((await run(await now())).body as RunAnswer, moderator);

    const paid = await api(t, admins[0].token).post(`/admin/payouts/${payout.id}/paid`);
    const twice = await api(t, admins[1].token).post(`/admin/payouts/${payout.id}/paid`);
    const cancelPaid = await api(t, admins[1].token).post(`/admin/payouts/${payout.id}/cancel`);
    const unknown = await api(t, admins[0].token).post('/admin/payouts/999999999/paid');

    expect(paid.body).toMatchObject({ status: 'paid', amountCents: 510 });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: 'PAYOUT_NOT_PENDING', message: expect.stringContaining('is paid') });
    expect(cancelPaid.body.error).toBe('PAYOUT_NOT_PENDING');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('PAYOUT_NOT_FOUND');
    expect(await money(moderator)).toEqual([expect.objectContaining({ availableCents: 0, paidCents: 510, inPayoutCents: 0 })]);
  });

  it('marks one admin of two concurrent transitions of a payout: paid and cancel at once, exactly one wins', async () => {
    const { moderator } = await earner(['1000']);
    const [payout] = of((await run(await now())).body as RunAnswer, moderator);

    const answers = await Promise.all([
      api(t, admins[0].token).post(`/admin/payouts/${payout.id}/paid`),
      api(t, admins[1].token).post(`/admin/payouts/${payout.id}/cancel`),
    ]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const winner = answers.find((answer) => answer.status === 200)!.body.status as string;
    const [row] = await t.db.query<Array<{ status: string }>>(`SELECT status FROM payouts WHERE id = $1`, [payout.id]);
    expect(row.status).toBe(winner);
  });

  it('carries a reversal after a payout as a debt that later earnings pay first; the statement shows both', async () => {
    const { moderator, profileId, bought } = await earner(['500', '1000']);
    const [payout] = of((await run(await now())).body as RunAnswer, moderator);
    await api(t, admins[0].token).post(`/admin/payouts/${payout.id}/paid`).expect(200);

    await t.emulator.refund(bought[1].paymentIntentId);
    await t.emulator.idle();
    expect(await money(moderator)).toEqual([expect.objectContaining({ availableCents: -510, paidCents: 810 })]);
    expect(of((await run(await now())).body as RunAnswer, moderator)).toEqual([]);

    await buy(t, client, profileId, '1000');
    await buy(t, client, profileId, '500');
    // 5.10 + 3.00 earned, 5.10 of it pays the debt: 3.00 € left, under the minimum of 5.00 €.
    expect(await money(moderator)).toEqual([expect.objectContaining({ availableCents: 300 })]);
    expect(of((await run(await now())).body as RunAnswer, moderator)).toEqual([]);

    const statement = await api(t, moderator.token).get(`/moderators/me/statements/${currentMonth()}`);
    const lines = statement.body.lines as Array<{ kind: string; amountCents: number; balanceCents: number; debtCents: number; debtRepaidCents: number }>;
    expect(lines.map((line) => [line.kind, line.amountCents, line.balanceCents, line.debtCents, line.debtRepaidCents])).toEqual([
      ['earning', 300, 300, 0, 0],
      ['earning', 510, 810, 0, 0],
      ['payout', -810, 0, 0, 0],
      ['reversal', -510, -510, 510, 0],
      ['earning', 510, 0, 0, 510],
      ['earning', 300, 300, 0, 0],
    ]);
    expect(statement.body.closing.money).toEqual([{ currency: 'eur', balanceCents: 300, debtCents: 0 }]);
  });

  it('skips an erased moderator: erasure removes the payout details and cancels the pending payouts, the money stays held', async () => {
    const { moderator } = await earner(['1000']);
    const [payout] = of((await run(await now())).body as RunAnswer, moderator);

    const erased = await t.app.get(PayoutDetailsService).erase(moderator.id);

    expect(erased).toEqual({ cancelledPayouts: 1 });
    const [row] = await t.db.query<Array<{ status: string; iban: string | null }>>(`SELECT status, iban FROM payouts WHERE id = $1`, [payout.id]);
    expect(row).toEqual({ status: 'cancelled', iban: null });
    expect(await money(moderator)).toEqual([expect.objectContaining({ availableCents: 510, inPayoutCents: 0 })]);
    const next = (await run(await now())).body as RunAnswer;
    expect(of(next, moderator)).toEqual([]);
    expect(next.skipped.filter((skip) => skip.moderatorId === moderator.id)).toEqual([{ moderatorId: moderator.id, currency: 'eur', amountCents: 510, reason: 'erased' }]);
    const again = await api(t, moderator.token).put('/moderators/me/payout-details').send({ iban: IBANS[0], name: 'Back again' });
    expect(again.status).toBe(410);
    expect(again.body.error).toBe('USER_ERASED');
  });

  it('answers the same run for the same until later, with its payouts as they stand now', async () => {
    const { moderator } = await earner(['1000']);
    const until = await now();
    const first = (await run(until)).body as RunAnswer;
    const [payout] = of(first, moderator);
    await api(t, admins[0].token).post(`/admin/payouts/${payout.id}/paid`).expect(200);
    await buy(t, client, (await createProfile(t.db, moderator)).id, '1000');

    const again = await run(until, admins[1]);

    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.id);
    expect(of(again.body as RunAnswer, moderator)).toEqual([expect.objectContaining({ id: payout.id, status: 'paid' })]);
    expect((await api(t, admins[0].token).get(`/admin/payout-runs/${first.id}`)).body).toEqual(again.body);
    const listed = await api(t, admins[0].token).get('/admin/payout-runs?limit=100');
    expect((listed.body.items as RunAnswer[]).find((item) => item.id === first.id)).toEqual(again.body);
  });

  it('refuses an until in the future, a malformed one, and a file of a run without EUR payouts or a run that does not exist', async () => {
    const future = await run(new Date(Date.now() + 60_000).toISOString());
    const malformed = await run('yesterday');
    // Nobody had earned anything yet then: an empty run.
    const empty = (await run('2020-01-01T00:00:00Z')).body as RunAnswer;
    const emptyFile = await api(t, admins[0].token).get(`/admin/payout-runs/${empty.id}/file?format=sepa`);
    const unknownRun = await api(t, admins[0].token).get('/admin/payout-runs/999999999/file?format=csv');
    const badFormat = await api(t, admins[0].token).get(`/admin/payout-runs/${empty.id}/file?format=pdf`);

    expect(future.status).toBe(400);
    expect(future.body.error).toBe('UNTIL_IN_FUTURE');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringContaining('until must be an ISO 8601 time') });
    expect(empty.payouts).toEqual([]);
    expect(emptyFile.status).toBe(409);
    expect(emptyFile.body.error).toBe('NO_EUR_PAYOUTS');
    expect(unknownRun.status).toBe(404);
    expect(badFormat.status).toBe(400);
  });

  it('checks IBANs when they are entered, and alerts every admin once per change of payout details', async () => {
    const moderator = await createUser(t.db, 'moderator');
    const wrong = await api(t, moderator.token).put('/moderators/me/payout-details').send({ iban: 'DE89370400440532013001', name: 'X' });
    const short = await api(t, moderator.token).put('/moderators/me/payout-details').send({ iban: 'FR76 3000', name: 'X' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'INVALID_IBAN', message: expect.stringContaining('mod 97') });
    expect(short.body.error).toBe('INVALID_IBAN');
    expect((await api(t, moderator.token).get('/moderators/me/payout-details')).body).toEqual({ details: null });

    const set = await api(t, moderator.token).put('/moderators/me/payout-details').send({ iban: 'gb82 west 1234 5698 7654 32', name: ' Alex Doe ' });
    const same = await api(t, moderator.token).put('/moderators/me/payout-details').send({ iban: 'GB82WEST12345698765432', name: 'Alex Doe' });
    expect(set.body).toMatchObject({ ibanEnding: '5432', name: 'Alex Doe' });
    expect(same.status).toBe(200);
    expect((await api(t, moderator.token).get('/moderators/me/payout-details')).body.details).toMatchObject({ ibanEnding: '5432', name: 'Alex Doe' });

    const alerts = async (admin: TestUser) =>
      ((await api(t, admin.token).get('/notifications?limit=100')).body.items as Array<{ type: string; payload: { moderatorId: string } }>).filter(
        (item) => item.type === 'payout_details.changed' && item.payload.moderatorId === moderator.id,
      );
    await waitUntil(async () => (await alerts(admins[1])).length > 0);
    for (const admin of admins) {
      expect(await alerts(admin)).toEqual([
        expect.objectContaining({ payload: { moderatorId: moderator.id, change: 'set', ibanEnding: '5432', changedBy: 'moderator', changedAt: expect.any(String) } }),
      ]);
    }
  });
});
