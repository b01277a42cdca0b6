import { Client } from 'pg';

const SAMPLE_EVERY_MS = 100;
/** Ten minutes of samples: a phase that takes longer has bigger problems than a truncated tally. */
const MAX_SAMPLES = 6000;

/**
 * Samples what the service's database connections are doing during a phase. Backends that are
 * "idle in transaction" are waiting for the service to send its next statement (round trips and
 * event-loop time); "Lock:transactionid/tuple" is row-lock queueing; "IO:WALSync"/"LWLock:WALWrite"
 * is commit durability. Uses the bench's own connection, never the service's pool.
 */
export function startWaitSampler(db: Client): () => Promise<Array<{ state: string; share: number }>> {
  const tally = new Map<string, number>();
  let total = 0;
  let stopped = false;
  const loop = (async () => {
    for (let sample = 0; sample < MAX_SAMPLES && !stopped; sample++) {
      const { rows } = await db.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null }>(
        `SELECT state, wait_event_type, wait_event FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      for (const row of rows) {
        const state = classify(row.state, row.wait_event_type, row.wait_event);
        tally.set(state, (tally.get(state) ?? 0) + 1);
        total++;
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return [...tally]
      .sort((a, b) => b[1] - a[1])
      .map(([state, count]) => ({ state, share: total === 0 ? 0 : count / total }));
  };
}

function classify(state: string | null, type: string | null, event: string | null): string {
  if (state === 'idle') return 'idle';
  if (state === 'idle in transaction') return 'idle in transaction (waiting for the service)';
  if (state === 'active' && type === null) return 'running';
  return `${state ?? '?'} ${type}:${event}`;
}
