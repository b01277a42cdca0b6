import { OutboxQueries } from '../../src/events/outbox.queries';
import { useOwnerDatabase } from '../support/owner-database';

describe('OutboxQueries', () => {
  const owner = useOwnerDatabase();

  it('counts the unpublished events and the age of the oldest', async () => {
    const queries = new OutboxQueries(owner.transactions);
    const before = await queries.backlog();
    const [{ id }] = await owner.db.query<Array<{ id: string }>>(
      `INSERT INTO outbox_events (type, payload, created_at, available_at) VALUES ('test.backlog', '{}', now() - interval '1 hour', 'infinity') RETURNING id`,
    );
    await owner.db.query(`INSERT INTO outbox_events (type, payload, published_at) VALUES ('test.backlog', '{}', now())`);
    try {
      const after = await queries.backlog();
      expect(after.pending).toBe(before.pending + 1);
      expect(after.oldestAgeSeconds).toBeGreaterThanOrEqual(3600);
    } finally {
      await owner.db.query(`DELETE FROM outbox_events WHERE id = $1`, [id]);
    }
  });
});
