import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, FactoryProvider, Logger, OnModuleInit } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { RedisLink } from '../redis/redis-link';
import { REDIS } from '../redis/redis.module';

/**
 * How many sockets each user has open, across every instance: a socket is counted from its handshake
 * (`acquire`) until it closes (`release`), and refused when its user already has `limit` open.
 */
export abstract class SocketQuota {
  abstract readonly limit: number;
  /** Counts the socket against its user's limit; false (and nothing counted) when the user is at the limit. */
  abstract acquire(userId: string, socketId: string): Promise<boolean>;
  /** Stops counting the socket; a socket not counted (or already released) is ignored. */
  abstract release(socketId: string): Promise<void>;
}

/** One instance (no REDIS_URL): the count is this process's own. */
export class MemorySocketQuota extends SocketQuota {
  private readonly byUser = new Map<string, Set<string>>();
  private readonly owners = new Map<string, string>();

  constructor(readonly limit: number) {
    super();
  }

  acquire(userId: string, socketId: string): Promise<boolean> {
    const sockets = this.byUser.get(userId) ?? new Set<string>();
    if (!sockets.has(socketId) && sockets.size >= this.limit) return Promise.resolve(false);
    sockets.add(socketId);
    this.byUser.set(userId, sockets);
    this.owners.set(socketId, userId);
    return Promise.resolve(true);
  }

  release(socketId: string): Promise<void> {
    const userId = this.owners.get(socketId);
    if (userId === undefined) return Promise.resolve();
    this.owners.delete(socketId);
    const sockets = this.byUser.get(userId);
    sockets?.delete(socketId);
    if (sockets?.size === 0) this.byUser.delete(userId);
    return Promise.resolve();
  }
}

export const SOCKET_QUOTA_KEY_PREFIX = 'profile-points:sockets:user:';

/** Redis's own clock, in milliseconds: every instance compares leases against the same time. */
const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/** Drop expired leases; refuse if the user is at the limit; else lease the socket. 1: counted, 0: refused. */
const ACQUIRE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * Extends the leases of this instance's sockets, for many users in one call: KEYS are the users'
 * sets, ARGV the lease, then per key its count of members followed by them. A lease that expired
 * meanwhile (the instance stalled longer than a lease) is counted again: the socket is still open.
 */
const REFRESH = `${NOW_MS}
local lease = tonumber(ARGV[1])
local a = 2
for k = 1, #KEYS do
  local count = tonumber(ARGV[a])
  a = a + 1
  for j = 1, count do
    redis.call('ZADD', KEYS[k], now + lease, ARGV[a])
    a = a + 1
  end
  redis.call('PEXPIRE', KEYS[k], lease)
end
return 1`;

/** Users whose leases one REFRESH call renews: 10,000 open sockets are renewed in a few calls, not 10,000. */
const REFRESH_USERS_PER_CALL = 500;

export interface RedisSocketQuotaOptions {
  limit: number;
  /** How long a socket counts without its instance renewing it: a crashed instance's sockets stop counting after this. */
  leaseMs?: number;
  /** How often this instance renews the leases of its open sockets (well under leaseMs). */
  refreshMs?: number;
  /** Names this instance in the lease members (`<instance>:<socketId>`). */
  instanceId?: string;
}

/**
 * Several instances (REDIS_URL): one sorted set per user, of `<instance>:<socketId>` scored by the
 * time its lease ends. A handshake reserves a place atomically (drop expired leases, refuse if full,
 * add); a closed socket is removed; each instance renews its open sockets' leases every `refreshMs`,
 * so the sockets of an instance that died without closing them stop counting within `leaseMs`.
 *
 * Without Redis (unreachable, or failing within its command timeout) the socket is counted in this
 * instance's memory instead: the limit holds per instance during the outage, and the next renewal
 * after it counts every open socket in Redis again.
 */
export class RedisSocketQuota extends SocketQuota implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(RedisSocketQuota.name);
  readonly limit: number;
  private readonly leaseMs: number;
  private readonly refreshMs: number;
  private readonly instanceId: string;
  private readonly fallback: MemorySocketQuota;
  /** This instance's counted sockets: socket id → user id. */
  private readonly leases = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisLink,
    options: RedisSocketQuotaOptions,
  ) {
    super();
    this.limit = options.limit;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.refreshMs = options.refreshMs ?? Math.floor(this.leaseMs / 3);
    this.instanceId = options.instanceId ?? randomUUID();
    this.fallback = new MemorySocketQuota(options.limit);
  }

  onModuleInit(): void {
    this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Starts renewing the leases of this instance's sockets. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  /** Stops renewing and releases every socket of this instance (they are being closed with it). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.leases.keys()].map((socketId) => this.release(socketId)));
  }

  async acquire(userId: string, socketId: string): Promise<boolean> {
    let counted: boolean;
    try {
      counted =
        (await this.redis.run((client) =>
          client.eval(ACQUIRE, {
            keys: [SOCKET_QUOTA_KEY_PREFIX + userId],
            arguments: [this.member(socketId), String(this.limit), String(this.leaseMs)],
          }),
        )) === 1;
    } catch {
      counted = await this.fallback.acquire(userId, socketId);
    }
    if (counted) this.leases.set(socketId, userId);
    return counted;
  }

  async release(socketId: string): Promise<void> {
    const userId = this.leases.get(socketId);
    if (userId === undefined) return;
    this.leases.delete(socketId);
    await this.fallback.release(socketId);
    // Without Redis, the lease ends by itself: the socket stops counting there within leaseMs.
    await this.redis.run((client) => client.zRem(SOCKET_QUOTA_KEY_PREFIX + userId, this.member(socketId))).catch(() => undefined);
  }

  /**
   * Renews the leases of this instance's open sockets (those counted in memory during an outage
   * too), REFRESH_USERS_PER_CALL users per script call.
   */
  async refresh(): Promise<void> {
    if (!this.redis.usable) return;
    const byUser = new Map<string, string[]>();
    for (const [socketId, userId] of this.leases) {
      const members = byUser.get(userId);
      if (members) members.push(this.member(socketId));
      else byUser.set(userId, [this.member(socketId)]);
    }
    const users = [...byUser];
    const calls: Array<Promise<unknown>> = [];
    for (let start = 0; start < users.length; start += REFRESH_USERS_PER_CALL) {
      const chunk = users.slice(start, start + REFRESH_USERS_PER_CALL);
      const keys = chunk.map(([userId]) => SOCKET_QUOTA_KEY_PREFIX + userId);
      const args = [String(this.leaseMs), ...chunk.flatMap(([, members]) => [String(members.length), ...members])];
      calls.push(this.redis.run((client) => client.eval(REFRESH, { keys, arguments: args })));
    }
    const failed = (await Promise.allSettled(calls)).find((result) => result.status === 'rejected');
    if (failed) this.logger.warn(`socket quota: leases not renewed, Redis failed: ${(failed.reason as Error).message}`);
  }

  private member(socketId: string): string {
    return `${this.instanceId}:${socketId}`;
  }
}

export const socketQuotaProvider: FactoryProvider<SocketQuota> = {
  provide: SocketQuota,
  inject: [Env, REDIS],
  useFactory: (env: Env, redis: RedisLink | null): SocketQuota =>
    redis
      ? new RedisSocketQuota(redis, { limit: env.SOCKET_MAX_CONNECTIONS_PER_USER })
      : new MemorySocketQuota(env.SOCKET_MAX_CONNECTIONS_PER_USER),
};
