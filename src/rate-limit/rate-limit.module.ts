import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, ThrottlerStorageService } from '@nestjs/throttler';
import { TokenModule } from '../auth/token.module';
import { Env } from '../config/env.schema';
import { RedisLink } from '../redis/redis-link';
import { REDIS } from '../redis/redis.module';
import { AnonymousBudget } from './anonymous-budget.service';
import { OutsideRoutesLimiter } from './outside-routes';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler-storage';

const MINUTE_MS = 60_000;

/**
 * Rate limits of SPEC §9, per minute, shared by every instance through Redis when REDIS_URL is set
 * (in memory otherwise). Imported before the auth module: its guard runs before authentication.
 */
@Module({
  imports: [
    TokenModule,
    ThrottlerModule.forRootAsync({
      inject: [Env, REDIS],
      useFactory: (env: Env, redis: RedisLink | null) => ({
        throttlers: [
          { name: 'checkout', ttl: MINUTE_MS, limit: env.RATE_LIMIT_CHECKOUT_PER_MINUTE },
          { name: 'spend', ttl: MINUTE_MS, limit: env.RATE_LIMIT_SPEND_PER_MINUTE },
          { name: 'user', ttl: MINUTE_MS, limit: env.RATE_LIMIT_PER_MINUTE },
          { name: 'anonymous', ttl: MINUTE_MS, limit: env.RATE_LIMIT_ANONYMOUS_PER_MINUTE },
          { name: 'integration', ttl: MINUTE_MS, limit: env.RATE_LIMIT_INTEGRATION_PER_MINUTE },
        ],
        setHeaders: false,
        storage: redis ? new RedisThrottlerStorage(redis) : new ThrottlerStorageService(),
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }, AnonymousBudget, OutsideRoutesLimiter],
  exports: [AnonymousBudget, OutsideRoutesLimiter],
})
export class RateLimitModule {}
