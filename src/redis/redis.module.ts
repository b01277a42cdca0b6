import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { createClient, RedisClientType } from 'redis';
import { Env } from '../config/env.schema';

/** Injection token of the shared Redis command client; null when REDIS_URL is unset (one instance, in memory). */
export const REDIS = Symbol('REDIS');
export type RedisClient = RedisClientType<Record<string, never>, Record<string, never>, Record<string, never>, 3>;

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects once while the module graph is built: an unreachable Redis is a startup error rather than
 * instances that silently stop sharing their limits. Once connected, the client reconnects by itself.
 */
async function connect(env: Env): Promise<RedisClient | null> {
  if (!env.REDIS_URL) return null;
  const logger = new Logger('Redis');
  const client: RedisClient = createClient({ url: env.REDIS_URL });
  client.on('error', (error: Error) => logger.error(`Redis: ${error.message}`));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis (REDIS_URL) unreachable after ${CONNECT_TIMEOUT_MS / 1000}s`)), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (error) {
    client.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return client;
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly client: RedisClient | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.client?.isOpen) await this.client.close();
  }
}

/** The command client shared by everything that coordinates instances through Redis (rate limits, socket quotas). */
@Global()
@Module({
  providers: [{ provide: REDIS, inject: [Env], useFactory: connect }, RedisLifecycle],
  exports: [REDIS],
})
export class RedisModule {}
