import { BEFORE_COMMIT_PHASES, BeforeCommitPhase } from '../../src/database/transaction';
import { useOwnerDatabase } from '../support/owner-database';

/** The before-commit steps run by their declared phase, on a real transaction, whatever order the work asked for them in. */
describe('TransactionRunner before-commit steps', () => {
  const owner = useOwnerDatabase();

  it('runs the steps phase by phase (in a phase, in the order first deferred), inside the transaction, each once with all its items', async () => {
    const flushed: Array<{ name: string; phase: BeforeCommitPhase; items: string[]; backend: number }> = [];
    const step = (phase: BeforeCommitPhase, name: string, item: string) =>
      owner.transactions
        .deferUntilCommit({
          phase,
          name,
          init: () => [] as string[],
          flush: async (items) => {
            const [{ pid }] = await owner.transactions.manager.query<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
            flushed.push({ name, phase, items, backend: pid });
          },
        })
        .push(item);

    const backend = await owner.transactions.run(async () => {
      const manager = owner.transactions.manager;
      step('contended', 'balances', 'moderator 7');
      step('records', 'outbox', 'points.purchased');
      step('contended', 'balances', 'moderator 8');
      step('records', 'audit', 'entry 1');
      step('contended', 'counters', 'counter 1');
      const [{ pid }] = await manager.query<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
      return pid;
    });

    expect(BEFORE_COMMIT_PHASES).toEqual(['records', 'contended']);
    expect(flushed.map((entry) => [entry.phase, entry.name, entry.items])).toEqual([
      ['records', 'outbox', ['points.purchased']],
      ['records', 'audit', ['entry 1']],
      ['contended', 'balances', ['moderator 7', 'moderator 8']],
      ['contended', 'counters', ['counter 1']],
    ]);
    expect(new Set(flushed.map((entry) => entry.backend))).toEqual(new Set([backend]));
  });

  it('flushes nothing when the work fails: the transaction rolls back', async () => {
    let flushes = 0;
    await expect(
      owner.transactions.run(() => {
        owner.transactions.deferUntilCommit({ phase: 'records', name: 'count', init: () => 0, flush: () => Promise.resolve(void flushes++) });
        return Promise.reject(new Error('refused'));
      }),
    ).rejects.toThrow('refused');
    expect(flushes).toBe(0);
  });
});
