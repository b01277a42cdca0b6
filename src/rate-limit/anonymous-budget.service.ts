import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { Env } from '../config/env.schema';
import { RateLimitError } from './rate-limit.errors';
import { budgetKey, ipTracker } from './rate-limit.guard';

const MINUTE_MS = 60_000;

/**
 * The budget of a client address without a valid token (RATE_LIMIT_ANONYMOUS_PER_MINUTE): the
 * counter the rate-limit guard spends for requests without a valid token (`anonymous:ip:<ip>`, in
 * Redis when REDIS_URL is set), spent here too by what the guard never sees — requests served
 * outside the controllers, and webhook deliveries whose Stripe signature is invalid.
 */
@Injectable()
export class AnonymousBudget {
  /** Addresses this instance found over their budget, and until when (epoch ms). */
  private readonly spentUntil = new Map<string, number>();

  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly env: Env,
  ) {}

  /**
   * Counts one request (or one failure) of `ip`; the refusal once its budget is spent, else null.
   * The storage never waits long for Redis (it counts in memory when Redis is slow or down); should
   * it fail anyway, nothing is refused. `what` names what was counted, for the refusal's message.
   */
  async spend(ip: string, what: string): Promise<RateLimitError | null> {
    const limit = this.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE;
    const record = await this.storage.increment(budgetKey('anonymous', ipTracker(ip)), MINUTE_MS, limit, MINUTE_MS, 'anonymous').catch(() => null);
    if (!record?.isBlocked) return null;
    const retryAfter = record.timeToBlockExpire || record.timeToExpire;
    this.remember(ip, retryAfter);
    return RateLimitError.tooMany(what, retryAfter);
  }

  /**
   * The refusal of an address that this instance last found over its budget, while that lasts; null
   * otherwise. Nothing is counted and nothing is asked of Redis: it is what lets a request be
   * refused before its body is read.
   */
  refusalNow(ip: string, what: string): RateLimitError | null {
    const until = this.spentUntil.get(ip);
    if (until === undefined) return null;
    const left = until - Date.now();
    if (left <= 0) {
      this.spentUntil.delete(ip);
      return null;
    }
    return RateLimitError.tooMany(what, left / 1000);
  }

  private remember(ip: string, seconds: number): void {
    // Bounded: a flood from many addresses forgets the oldest first (they are then counted again).
    if (this.spentUntil.size >= MAX_REMEMBERED) this.spentUntil.delete(this.spentUntil.keys().next().value!);
    this.spentUntil.set(ip, Date.now() + seconds * 1000);
  }
}

const MAX_REMEMBERED = 10_000;
