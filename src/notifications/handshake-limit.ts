import { FactoryProvider, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { Env } from '../config/env.schema';
import { RedisThrottlerStorage } from '../rate-limit/redis-throttler-storage';
import { RedisLink } from '../redis/redis-link';
import { REDIS } from '../redis/redis.module';
import { NotificationsError } from './notifications.errors';

const MINUTE_MS = 60_000;

/**
 * Socket handshakes per client IP and minute (RATE_LIMIT_ANONYMOUS_PER_MINUTE, the budget of
 * requests without a valid token), counted before the token is read so that a flood of bad tokens
 * is limited too. In Redis when REDIS_URL is set (every instance counts against one budget), in
 * memory otherwise: the same storages as the HTTP rate limits.
 */
export class HandshakeLimiter implements OnApplicationShutdown {
  constructor(
    private readonly storage: ThrottlerStorage,
    readonly limitPerMinute: number,
    /** How many proxies in front of the service set X-Forwarded-For (TRUST_PROXY). */
    private readonly trustedHops: number,
  ) {}

  /** Counts one handshake from `remoteAddress` (through the trusted proxies); throws RATE_LIMITED beyond the budget. */
  async check(remoteAddress: string, forwardedFor: string | string[] | undefined): Promise<void> {
    const record = await this.count('socket-handshake', this.limitPerMinute, remoteAddress, forwardedFor);
    if (record.isBlocked) throw NotificationsError.tooManyHandshakes(record.timeToBlockExpire || record.timeToExpire);
  }

  /**
   * Counts one engine.io connection (a polling handshake or a websocket opened without a session),
   * before any namespace is joined, at twice the handshake budget: an ordinary client makes one per
   * handshake and meets RATE_LIMITED at its handshake first; a flood of connections that never
   * join the namespace (each held until socket.io's connect timeout) is cut here. False beyond it.
   */
  async admitsConnection(remoteAddress: string, forwardedFor: string | string[] | undefined): Promise<boolean> {
    return !(await this.count('socket-connection', 2 * this.limitPerMinute, remoteAddress, forwardedFor)).isBlocked;
  }

  /** One more in the per-minute counter `name` of the client's address (through the trusted proxies). */
  private count(name: string, limit: number, remoteAddress: string, forwardedFor: string | string[] | undefined) {
    const ip = clientIp(remoteAddress, forwardedFor, this.trustedHops);
    return this.storage.increment(`${name}:ip:${ip}`, MINUTE_MS, limit, MINUTE_MS, name);
  }

  onApplicationShutdown(): void {
    (this.storage as Partial<OnApplicationShutdown>).onApplicationShutdown?.();
  }
}

/**
 * The client's address as Express computes `req.ip` with `trust proxy` set to a hop count: the
 * address `trustedHops` steps back along [the peer, then X-Forwarded-For from right to left], or the
 * furthest one the header names. Untrusted entries (further left) are never used: a client can
 * prepend anything to the header.
 */
export function clientIp(remoteAddress: string, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const chain = [remoteAddress, ...forwarded.reverse()];
  return normalise(chain[Math.min(trustedHops, chain.length - 1)]);
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client; an oversized entry cannot make huge keys. */
function normalise(address: string): string {
  return address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').slice(0, 64);
}

export const handshakeLimiterProvider: FactoryProvider<HandshakeLimiter> = {
  provide: HandshakeLimiter,
  inject: [Env, REDIS],
  useFactory: (env: Env, redis: RedisLink | null) =>
    new HandshakeLimiter(redis ? new RedisThrottlerStorage(redis) : new ThrottlerStorageService(), env.RATE_LIMIT_ANONYMOUS_PER_MINUTE, env.TRUST_PROXY),
};
