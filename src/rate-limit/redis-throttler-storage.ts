import { OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { RedisLink } from '../redis/redis-link';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

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
 * script per hit. When Redis is unreachable or slow (the link is unusable, or the script fails within
 * its short timeout), the hit is counted in this instance's memory instead: the limits still hold,
 * per instance, until Redis is back (SPEC §12). A request never waits more than the command timeout.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly fallback = new ThrottlerStorageService();

  constructor(private readonly link: RedisLink) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (this.link.usable) {
      try {
        const [hits, remainingMs] = (await this.link.run((client) => client.eval(HIT, { keys: [RATE_LIMIT_KEY_PREFIX + key], arguments: [String(ttl)] }))) as [
          number,
          number,
        ];
        const seconds = Math.ceil(remainingMs / 1000);
        const isBlocked = hits > limit;
        return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
      } catch {
        // The link logs the failure and stays unusable for a moment: counted here meanwhile.
      }
    }
    return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
  }
}
