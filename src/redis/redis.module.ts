import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { RedisLink } from './redis-link';

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
 * The command link shared by everything that coordinates instances through Redis. It is created
 * connecting, not connected: an instance starts while Redis is down and joins it when it appears
 * (see RedisLink); every user of it has a per-instance fallback.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [Env],
      useFactory: (env: Env): RedisLink | null => (env.REDIS_URL ? new RedisLink(env.REDIS_URL, { name: 'commands' }).start() : null),
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
