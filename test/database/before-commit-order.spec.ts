import { BEFORE_COMMIT_STEPS, BeforeCommitStep } from '../../src/database/transaction';
import { useOwnerDatabase } from '../support/owner-database';

/** The before-commit steps run in their named order, on a real transaction, whatever order the work asked for them in. */
describe('TransactionRunner before-commit steps', () => {
  const owner = useOwnerDatabase();

  it('flushes purchases, then the outbox, then moderators, inside the transaction, each once', async () => {
    const flushed: Array<{ step: BeforeCommitStep; items: string[]; backend: number }> = [];
    const step = (name: BeforeCommitStep, item: string) =>
      owner.transactions
        .deferUntilCommit(name, () => [] as string[], async (items) => {
          const [{ pid }] = await owner.transactions.manager.query<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
          flushed.push({ step: name, items, backend: pid });
        })
        .push(item);

    const backend = await owner.transactions.run(async () => {
      const manager = owner.transactions.manager;
      step('users.points', 'moderator 7');
      step('outbox', 'points.credited');
      step('users.points', 'moderator 8');
      step('purchase.writes', 'purchase 1');
      const [{ pid }] = await manager.query<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
      return pid;
    });

    expect(flushed.map((entry) => entry.step)).toEqual([...BEFORE_COMMIT_STEPS]);
    expect(flushed.find((entry) => entry.step === 'users.points')?.items).toEqual(['moderator 7', 'moderator 8']);
    expect(new Set(flushed.map((entry) => entry.backend))).toEqual(new Set([backend]));
  });

  it('flushes nothing when the work fails: the transaction rolls back', async () => {
    let flushes = 0;
    await expect(
      owner.transactions.run(() => {
        owner.transactions.deferUntilCommit('outbox', () => 0, () => Promise.resolve(void flushes++));
        return Promise.reject(new Error('refused'));
      }),
    ).rejects.toThrow('refused');
    expect(flushes).toBe(0);
  });
});
