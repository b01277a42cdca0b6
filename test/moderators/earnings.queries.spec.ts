import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { EarningsCheckpointsRepository } from '../../src/moderators/earnings-checkpoints.repository';
import { ModeratorPointsQueries } from '../../src/moderators/moderator-points.queries';
import { LedgerAccount } from '../../src/points/ledger-accounts';
import { createUser } from '../factories';
import { useOwnerDatabase } from '../support/owner-database';

/** The moderators module's statements: its checkpoints, and the earnings page's one statement over three owners' tables. */
describe('moderator earnings queries', () => {
  const owner = useOwnerDatabase();
  let checkpoints: EarningsCheckpointsRepository;
  let queries: ModeratorPointsQueries;

  beforeAll(() => {
    checkpoints = new EarningsCheckpointsRepository(owner.transactions);
    queries = new ModeratorPointsQueries(owner.transactions);
  });

  const credit = async (db: EntityManager, account: string, points: number) => {
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO ledger_transfers (transfer_key, kind, debit_account, credit_account, points) VALUES ($1, 'attribution', $2, $3, $4) RETURNING id`,
      [`test:${randomUUID()}`, LedgerAccount.platformEarnings, account, points],
    );
    return id;
  };

  it('saves a newer checkpoint, ignores an older one, and finds it with the fields sent only when not remembered', async () => {
    await owner.rolledBack(async () => {
      const account = `moderator:test-${randomUUID()}`;
      await checkpoints.save(account, 1000, { uptoId: 20n, available: 5, pending: [[1, 2]] });
      await checkpoints.save(account, 1000, { uptoId: 10n, available: 999, pending: [] });

      expect(await checkpoints.find(account, 1000, '-1')).toEqual({
        maturity_us: '1000',
        upto_id: '20',
        fetched: true,
        available: '5',
        pending: [[1, 2]],
        candidate_id: null,
        candidate_safe: null,
      });
      expect(await checkpoints.find(account, 1000, '20')).toMatchObject({ upto_id: '20', fetched: false, available: null, pending: null });
      expect(await checkpoints.find(`moderator:test-${randomUUID()}`, 1000, '-1')).toBeNull();
    });
  });

  it('proposes a candidate once until it is used, and says whether it may be used yet', async () => {
    await owner.rolledBack(async () => {
      const account = `moderator:test-${randomUUID()}`;
      await checkpoints.propose(account, 1000, '50');
      await checkpoints.propose(account, 1000, '60');
      const found = await checkpoints.find(account, 1000, '-1');
      expect(found).toMatchObject({ upto_id: '0', candidate_id: '50' });
      // A transaction open since before the proposal would hold it back; none of this test's is.
      expect(typeof found!.candidate_safe).toBe('boolean');

      await checkpoints.save(account, 1000, { uptoId: 50n, available: 0, pending: [] });
      await checkpoints.propose(account, 1000, '70');
      expect(await checkpoints.find(account, 1000, '50')).toMatchObject({ upto_id: '50', candidate_id: '70' });
    });
  });

  it('reads balance, walk and history of a moderator in one statement', async () => {
    await owner.rolledBack(async (db) => {
      const moderator = await createUser(owner.db, 'moderator');
      const account = LedgerAccount.moderator(moderator.id);
      await db.query(`UPDATE users SET points = 30 WHERE id = $1`, [moderator.id]);
      const first = await credit(db, account, 10);
      const second = await credit(db, account, 20);

      const row = await queries.read(moderator.id, account, { limit: 1 }, 1_000_000, { saved: null });
      expect(row.balance).toBe(30);
      expect(row.walk![1]).toEqual([10, 20]);
      expect(row.checkpoint).toBeNull();
      expect(row.history.map(([id, , points]) => [id, points])).toEqual([
        [second, 20],
        [first, 10],
      ]);

      const next = await queries.read(moderator.id, account, { limit: 1, cursor: second }, 1_000_000, null);
      expect(next.walk).toBeNull();
      expect(next.history.map(([id]) => id)).toEqual([first]);

      const nobody = await queries.read('0', LedgerAccount.moderator('0'), { limit: 1 }, 0, null);
      expect(nobody.balance).toBeNull();
      expect(nobody.history).toEqual([]);
    });
  });
});
