import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/**
 * Keys of the advisory lock a retention run holds, pg_try_advisory_lock(namespace, key): two keys, so
 * that no other lock of the service (the migrations' one-key lock, the outbox relays' namespace) is
 * ever mistaken for it.
 */
export const RETENTION_LOCK = { namespace: 0x7265_7465, key: 1 } as const;

/** A held run lock: free it when the run ends. */
export interface HeldRetentionLock {
  release(): Promise<void>;
}

/**
 * The lock that lets one instance at a time remove old rows. It is held by a session of its own,
 * outside the pool, for the whole run: if the instance dies, PostgreSQL ends the session and frees
 * the lock, and the pool's connections stay for the paths that credit and alert.
 */
@Injectable()
export class RetentionLockRepository {
  private readonly logger = new Logger(RetentionLockRepository.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The lock, or null when another session holds it (another instance is removing). Never waits. */
  async tryAcquire(): Promise<HeldRetentionLock | null> {
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new Client({ connectionString: url, application_name: 'profile-points-retention' });
    // A session the server or the network ends (a restart, a failover, an idle cut) emits 'error'
    // between queries; unheard, it would be an uncaught exception. The lock went with the session:
    // at worst two instances remove at once for the rest of this run, which the batches' SKIP
    // LOCKED makes harmless, and the next run takes the lock again.
    client.on('error', (error: Error) => this.logger.warn(`retention: the lock session ended: ${error.message}`));
    await client.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [RETENTION_LOCK.namespace, RETENTION_LOCK.key]);
      if (!rows[0].locked) {
        await client.end();
        return null;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return {
      // Ending the session frees its advisory lock.
      release: () => client.end(),
    };
  }
}
