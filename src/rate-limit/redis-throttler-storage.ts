import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;
import type { RedisClient } from '../redis/redis.module';

/** One fixed window per key: count the hit, start the window on the first one, say how long it has left. */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

export const RATE_LIMIT_KEY_PREFIX = 'profile-points:rate-limit:';

/**
 * The throttler's counters in Redis, so that every instance counts against the same limit: one atomic
 * script per hit. If Redis fails mid-flight the request is let through and the failure logged — a
 * limiter outage must not stop payments — while the client reconnects.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);

  constructor(private readonly redis: RedisClient) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    let hits: number;
    let remainingMs: number;
    try {
      [hits, remainingMs] = (await this.redis.eval(HIT, { keys: [RATE_LIMIT_KEY_PREFIX + key], arguments: [String(ttl)] })) as [number, number];
    } catch (error) {
      this.logger.error(`rate limit not applied, Redis failed: ${(error as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
    const seconds = Math.ceil(remainingMs / 1000);
    const isBlocked = hits > limit;
    return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }
}
