import { createProfile, createUser, TestUser } from '../factories';
import { api } from '../support/http';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { ledgerDrift } from '../support/ledger';
import { binaryBody, currentMonth, DEBTOR_ENV, IBANS, keepExample, pdfText } from '../support/payouts';
import { buy, lastEvent } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { xmllintSchema } from '../support/xmllint';

/**
 * The worked example of docs/payouts.md, end to end through the API and the Stripe emulator:
 * PAYOUT_MINIMUM_CENTS=500, the moderator's share 30 %, earnings available at once
 * (EARNINGS_MATURITY_DAYS=0). Three packs (2.99, 9.99, 16.99 €), 8.50 € of the 16.99 € refunded:
 * 0.90 + 3.00 + 2.55 = 6.45 € available; the statement in JSON, CSV and PDF; the payout run and its
 * SEPA file (checked with xmllint against the official XSD); then the 9.99 € purchase disputed and
 * lost after the payout: a debt of 3.00 €. Its own database, so the runs hold only this moderator.
 */
describe('Payouts: the worked example', () => {
  let database: IsolatedDatabase;
  let t: TestApp;
  let moderator: TestUser;
  let admin: TestUser;
  let client: TestUser;

  beforeAll(async () => {
    database = await createIsolatedDatabase('payouts_example');
    t = await startTestApp({
      DATABASE_URL: database.url,
      PAYOUT_MINIMUM_CENTS: '500',
      MODERATOR_SHARE_BPS: '3000',
      EARNINGS_MATURITY_DAYS: '0',
      RECONCILE_INTERVAL_MS: '0',
      ...DEBTOR_ENV,
    });
    moderator = await createUser(t.db, 'moderator');
    admin = await createUser(t.db, 'admin');
    client = await createUser(t.db, 'client');
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('pays 6.45 € for three packs with 8.50 € refunded, then shows a lost dispute after the payout as a debt of 3.00 €', async () => {
    await t.db.query(`UPDATE users SET name = 'Camille Martin' WHERE id = $1`, [moderator.id]);
    const profile = await createProfile(t.db, moderator, 'Sophie');
    const details = await api(t, moderator.token).put('/moderators/me/payout-details').send({ iban: 'DE89 3704 0044 0532 0130 00', name: 'Camille Martin' });
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({ ibanEnding: '3000', name: 'Camille Martin' });

    const small = await buy(t, client, profile.id, '100');
    const popular = await buy(t, client, profile.id, '500');
    const premium = await buy(t, client, profile.id, '1000');
    await t.emulator.refund(premium.paymentIntentId, 850);
    await t.emulator.idle();

    // 30 % of 2.99 = 0.897 → 0.90; of 9.99 = 2.997 → 3.00; of 16.99 − 8.50 = 8.49 → 2.547 → 2.55.
    const points = await api(t, moderator.token).get('/moderators/me/points');
    expect(points.status).toBe(200);
    expect(points.body.money).toEqual([{ currency: 'eur', pendingCents: 0, availableCents: 645, paidCents: 0, inPayoutCents: 0, frozenCents: 0 }]);
    expect(points.body.balance).toBe(100 + 500 + 1000 - 501);
    keepExample('money.json', JSON.stringify(points.body.money, null, 2));

    const month = currentMonth();
    const json = await api(t, moderator.token).get(`/moderators/me/statements/${month}`);
    expect(json.status).toBe(200);
    expect(json.body.lines.map((line: { kind: string; reason: string | null; transactionId: string; points: number; amountCents: number; balanceCents: number }) => [line.kind, line.reason, line.transactionId, line.points, line.amountCents, line.balanceCents])).toEqual([
      ['earning', null, small.transactionId, 100, 90, 90],
      ['earning', null, popular.transactionId, 500, 300, 390],
      ['earning', null, premium.transactionId, 1000, 510, 900],
      ['reversal', 'refund', premium.transactionId, -501, -255, 645],
    ]);
    expect(json.body.opening).toEqual({ points: 0, money: [] });
    expect(json.body.closing).toEqual({ points: 1099, money: [{ currency: 'eur', balanceCents: 645, debtCents: 0 }] });
    expect(json.body.lines.every((line: { profileName: string }) => line.profileName === 'Sophie')).toBe(true);
    keepExample('statement.json', JSON.stringify(json.body, null, 2));

    const csv = await api(t, moderator.token).get(`/moderators/me/statements/${month}?format=csv&lang=en`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe('Date,Type,Profile,Purchase,Points,Amount,Currency,Balance,Debt');
    expect(rows.slice(2, 6).map((row) => row.split(',').slice(1))).toEqual([
      ['Earning', 'Sophie', small.transactionId, '100', '0.90', 'eur', '0.90', '0.00'],
      ['Earning', 'Sophie', popular.transactionId, '500', '3.00', 'eur', '3.90', '0.00'],
      ['Earning', 'Sophie', premium.transactionId, '1000', '5.10', 'eur', '9.00', '0.00'],
      ['Refund', 'Sophie', premium.transactionId, '-501', '-2.55', 'eur', '6.45', '0.00'],
    ]);
    expect(rows.at(-1)!.split(',').slice(1)).toEqual(['Closing balance', '', '', '1099', '', 'eur', '6.45', '0.00']);
    keepExample('statement.csv', csv.text);

    const french = await api(t, moderator.token).get(`/moderators/me/statements/${month}?format=csv`).set('Accept-Language', 'fr-FR,fr;q=0.9');
    expect(french.text.split('\r\n')[0]).toBe('Date;Type;Profil;Achat;Points;Montant;Devise;Solde;Dette');
    expect(french.text).toContain(';Remboursement;Sophie;');
    expect(french.text).toContain(';-2,55;eur;6,45;0,00');
    expect(french.headers.vary).toContain('Accept-Language');

    const pdf = await api(t, moderator.token).get(`/moderators/me/statements/${month}?format=pdf&lang=en`).buffer(true).parse(binaryBody);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = await pdfText(pdf.body as Buffer);
    expect(text).toContain('Earnings statement');
    expect(text).toContain('Moderator: Camille Martin');
    expect(text).toMatch(/Earning\s+Sophie\s+\d+\s+\+100\s+€0\.90\s+€0\.90/);
    expect(text).toMatch(/Refund\s+Sophie\s+\d+\s+-501\s+-€2\.55\s+€6\.45/);
    expect(text).toContain('Closing balance: 1099 points · €6.45');
    keepExample('statement.pdf.txt', text);
    const pdfFr = await api(t, moderator.token).get(`/moderators/me/statements/${month}?format=pdf&lang=fr`).buffer(true).parse(binaryBody);
    const textFr = await pdfText(pdfFr.body as Buffer);
    expect(textFr).toContain('Relevé de gains');
    expect(textFr).toContain('Solde de clôture : 1099 points · 6,45 €');
    expect(textFr).toMatch(/Remboursement\s+Sophie\s+\d+\s+-501\s+-2,55 €\s+6,45 €/);

    const until = new Date().toISOString();
    const run = await api(t, admin.token).post('/admin/payout-runs').send({ until });
    expect(run.status).toBe(201);
    expect(run.body.payouts).toEqual([{ id: expect.any(String), moderatorId: moderator.id, currency: 'eur', amountCents: 645, status: 'pending' }]);
    expect(run.body.skipped).toEqual([]);
    keepExample('payout-run.json', JSON.stringify(run.body, null, 2));
    const again = await api(t, admin.token).post('/admin/payout-runs').send({ until });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(run.body.id);
    expect((await api(t, moderator.token).get('/moderators/me/points')).body.money[0]).toMatchObject({ availableCents: 0, inPayoutCents: 645, paidCents: 0 });

    const sepa = await api(t, admin.token).get(`/admin/payout-runs/${run.body.id}/file?format=sepa`);
    expect(sepa.status).toBe(200);
    expect(sepa.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(await xmllintSchema(sepa.text)).toEqual({ code: 0, output: 'payouts.xml validates\n' });
    expect(sepa.text).toContain('<InstdAmt Ccy="EUR">6.45</InstdAmt>');
    expect(sepa.text).toContain(`<IBAN>${IBANS[0]}</IBAN>`);
    expect(sepa.text).toContain('<IBAN>FR7630006000011234567890189</IBAN>');
    keepExample('payout-run.xml', sepa.text.replace(/<CreDtTm>[^<]+</, '<CreDtTm>…<'));
    const runCsv = await api(t, admin.token).get(`/admin/payout-runs/${run.body.id}/file?format=csv`);
    expect(runCsv.text.split('\r\n')[1]).toBe(`${run.body.payouts[0].id},${run.body.id},${moderator.id},Camille Martin,${IBANS[0]},6.45,eur,pending`);

    const paid = await api(t, admin.token).post(`/admin/payouts/${run.body.payouts[0].id}/paid`);
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('paid');
    expect((await api(t, moderator.token).get('/moderators/me/points')).body.money[0]).toMatchObject({ availableCents: 0, inPayoutCents: 0, paidCents: 645 });

    // After the payout, the 9.99 € purchase is disputed, and the dispute lost: its 3.00 € are taken back.
    await t.emulator.createDispute(popular.chargeId);
    await t.emulator.closeDispute((lastEvent(t, 'charge.dispute.created', popular.chargeId).data.object as { id: string }).id, 'lost');
    await t.emulator.idle();
    const after = await api(t, moderator.token).get('/moderators/me/points');
    expect(after.body.money).toEqual([{ currency: 'eur', pendingCents: 0, availableCents: -300, paidCents: 645, inPayoutCents: 0, frozenCents: 0 }]);
    keepExample('money-after-dispute.json', JSON.stringify(after.body.money, null, 2));

    const debt = await api(t, moderator.token).get(`/moderators/me/statements/${month}`);
    const last = debt.body.lines.slice(-2);
    expect(last.map((line: { kind: string; reason: string | null; amountCents: number; balanceCents: number; debtCents: number }) => [line.kind, line.reason, line.amountCents, line.balanceCents, line.debtCents])).toEqual([
      ['payout', null, -645, 0, 0],
      ['reversal', 'dispute', -300, -300, 300],
    ]);
    expect(debt.body.closing.money).toEqual([{ currency: 'eur', balanceCents: -300, debtCents: 300 }]);
    keepExample('statement-after-dispute.json', JSON.stringify(debt.body, null, 2));
    const debtPdf = await pdfText((await api(t, moderator.token).get(`/moderators/me/statements/${month}?format=pdf&lang=en`).buffer(true).parse(binaryBody)).body as Buffer);
    expect(debtPdf).toMatch(/Dispute\s+Sophie\s+\d+\s+-500\s+-€3\.00\s+-€3\.00/);
    expect(debtPdf).toContain('Debt: €3.00');
    expect(debtPdf).toContain('Closing balance: 599 points · -€3.00 (Debt €3.00)');
    keepExample('statement-after-dispute.pdf.txt', debtPdf);

    // The next run pays nothing: the debt comes first.
    const next = await api(t, admin.token).post('/admin/payout-runs').send({ until: new Date().toISOString() });
    expect(next.status).toBe(201);
    expect(next.body.payouts).toEqual([]);
    expect(await ledgerDrift(t.db)).toEqual([]);
  });
});
