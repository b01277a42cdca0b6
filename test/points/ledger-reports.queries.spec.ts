import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { LedgerAccount } from '../../src/points/ledger-accounts';
import { LedgerReportsQueries } from '../../src/points/ledger-reports.queries';
import { LedgerSql } from '../../src/points/ledger.sql';
import { createScenario, createUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

/** The points module's read side for other modules: its query service and its SQL pieces. */
describe('LedgerReportsQueries and LedgerSql', () => {
  const owner = useOwnerDatabase();
  let reports: LedgerReportsQueries;

  beforeAll(() => {
    reports = new LedgerReportsQueries(owner.transactions);
  });

  const transfer = async (db: EntityManager, debit: string, credit: string, points: number, at: string, kind = 'attribution', transactionId: string | null = null) => {
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO ledger_transfers (transfer_key, kind, debit_account, credit_account, points, transaction_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [`test:${randomUUID()}`, kind, debit, credit, points, transactionId, at],
    );
    return id;
  };

  it("totals each moderator's credits and debits made in the range, by moderator id", async () => {
    await owner.rolledBack(async (db) => {
      const [first, second] = [await createUser(owner.db, 'moderator'), await createUser(owner.db, 'moderator')];
      await transfer(db, LedgerAccount.platformEarnings, LedgerAccount.moderator(first.id), 40, '2002-02-01T10:00Z');
      await transfer(db, LedgerAccount.platformEarnings, LedgerAccount.moderator(first.id), 60, '2002-02-01T11:00Z');
      await transfer(db, LedgerAccount.moderator(first.id), LedgerAccount.platformEarnings, 15, '2002-02-01T12:00Z', 'reversal');
      await transfer(db, LedgerAccount.platformEarnings, LedgerAccount.moderator(second.id), 5, '2002-02-01T13:00Z');
      await transfer(db, LedgerAccount.platformEarnings, LedgerAccount.moderator(second.id), 500, '2002-02-02T00:00Z');

      const totals = await reports.moderatorTotals(new Date('2002-02-01T00:00Z'), new Date('2002-02-02T00:00Z'));
      expect(totals).toEqual([
        { moderatorId: first.id, creditedPoints: 100, debitedPoints: 15 },
        { moderatorId: second.id, creditedPoints: 5, debitedPoints: 0 },
      ]);
    });
  });

  it('gives the last id the sequence handed out, at least that of a transfer just written', async () => {
    await owner.rolledBack(async (db) => {
      const moderator = await createUser(owner.db, 'moderator');
      const id = await transfer(db, LedgerAccount.platformEarnings, LedgerAccount.moderator(moderator.id), 1, new Date().toISOString());
      expect(BigInt((await reports.lastTransferId())!)).toBeGreaterThanOrEqual(BigInt(id));
    });
  });

  it("walks an account's movements after an id, signed, with their times in µs", async () => {
    await owner.rolledBack(async (db) => {
      const moderator = await createUser(owner.db, 'moderator');
      const account = LedgerAccount.moderator(moderator.id);
      const skipped = await transfer(db, LedgerAccount.platformEarnings, account, 7, '2002-03-01T00:00:00Z');
      const credit = await transfer(db, LedgerAccount.platformEarnings, account, 10, '2002-03-01T00:00:01.000002Z');
      const debit = await transfer(db, account, LedgerAccount.platformEarnings, 3, '2002-03-01T00:00:02Z', 'reversal');

      const rows = await db.query<Array<{ id: string; at: string; points: string }>>(
        `SELECT * FROM (${LedgerSql.movementsAfter('$1', '$2')}) m ORDER BY id`,
        [account, skipped],
      );
      expect(rows).toEqual([
        { id: credit, at: String(Date.parse('2002-03-01T00:00:01Z') * 1000 + 2), points: '10' },
        { id: debit, at: String(Date.parse('2002-03-01T00:00:02Z') * 1000), points: '-3' },
      ]);
    });
  });

  it("pages an account's history newest first across both sides, below a cursor", async () => {
    await owner.rolledBack(async (db) => {
      const moderator = await createUser(owner.db, 'moderator');
      const account = LedgerAccount.moderator(moderator.id);
      const ids = [
        await transfer(db, LedgerAccount.platformEarnings, account, 1, '2002-04-01T00:00Z'),
        await transfer(db, account, LedgerAccount.platformEarnings, 2, '2002-04-01T00:01Z', 'reversal'),
        await transfer(db, LedgerAccount.platformEarnings, account, 3, '2002-04-01T00:02Z'),
      ];
      const page = (before: string | null, limit: number) =>
        db.query<Array<{ id: string; points: string }>>(
          `SELECT id, points FROM (${LedgerSql.historyPage('$1', before === null ? null : '$3', '$2')}) h`,
          before === null ? [account, limit] : [account, limit, before],
        );
      expect(await page(null, 2)).toEqual([
        { id: ids[2], points: '3' },
        { id: ids[1], points: '-2' },
      ]);
      expect(await page(ids[1], 2)).toEqual([{ id: ids[0], points: '1' }]);
    });
  });

  it("nets a purchase's client and moderator credits, held points counted as the moderator's", async () => {
    await owner.rolledBack(async (db) => {
      const { client, moderator, profile } = await createScenario(owner.db);
      const [{ id: interaction }] = await db.query<Array<{ id: string }>>(
        `INSERT INTO profile_client_interactions (client_id, profile_id) VALUES ($1, $2) RETURNING id`,
        [client.id, profile.id],
      );
      const [{ id: purchase }] = await db.query<Array<{ id: string }>>(
        `INSERT INTO profile_point_transactions (client_id, profile_id, pack_code, points_amount, amount_cents, status, credited_at)
         VALUES ($1, $2, 'p', 100, 500, 'completed', now()) RETURNING id`,
        [client.id, profile.id],
      );
      const at = new Date().toISOString();
      await transfer(db, LedgerAccount.stripeSales, LedgerAccount.client(interaction), 100, at, 'purchase', purchase);
      await transfer(db, LedgerAccount.platformEarnings, LedgerAccount.held(interaction), 100, at, 'hold', purchase);
      await transfer(db, LedgerAccount.held(interaction), LedgerAccount.moderator(moderator.id), 100, at, 'release', purchase);
      await transfer(db, LedgerAccount.client(interaction), LedgerAccount.stripeSales, 30, at, 'reversal', purchase);
      await transfer(db, LedgerAccount.moderator(moderator.id), LedgerAccount.platformEarnings, 30, at, 'reversal', purchase);

      const credited = (id: string) =>
        db.query<Array<{ client_credited: string; moderator_credited: string }>>(`SELECT * FROM (${LedgerSql.creditedForPurchase('$1')}) c`, [id]);
      // The release moves points between two of the moderator's sides: it nets to nothing.
      expect(await credited(purchase)).toEqual([{ client_credited: '70', moderator_credited: '70' }]);
      expect(await credited('0')).toEqual([{ client_credited: '0', moderator_credited: '0' }]);
    });
  });
});
