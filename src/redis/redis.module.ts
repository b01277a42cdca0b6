import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { REDIS_STARTUP_WAIT_MS, RedisLink } from './redis-link';

/**
 * Injection token of the shared Redis command link (rate limits, socket quotas); null when REDIS_URL
 * is unset (one instance, everything in memory).
 */
export const REDIS = Symbol('REDIS');

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly link: RedisLink | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.link?.close();
  }
}

/**
 * The command link shared by everything that coordinates instances through Redis. The instance
 * waits for it a moment as it starts (REDIS_STARTUP_WAIT_MS), then starts anyway: with Redis down it
 * serves without it and joins it when it appears (see RedisLink); every user of it has a
 * per-instance fallback.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [Env],
      useFactory: async (env: Env): Promise<RedisLink | null> => {
        if (!env.REDIS_URL) return null;
        const link = new RedisLink(env.REDIS_URL, { name: 'commands' }).start();
        await link.connectedWithin(REDIS_STARTUP_WAIT_MS);
        return link;
      },
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
