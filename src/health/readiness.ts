import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ReadReplica } from '../database/read-replica';
import type { RedisLink } from '../redis/redis-link';
import { REDIS } from '../redis/redis.module';
import { HealthError } from './health.errors';
import { GracefulShutdown } from './shutdown';

const DATABASE_TIMEOUT_MS = 3000;

/** What readiness says of Redis while it is unreachable: the instance serves without it (SPEC §12). */
export const REDIS_DEGRADED = {
  status: 'degraded',
  message: 'Redis unreachable: rate limits and socket quotas count per instance, alerts reach this instance\'s sockets; reconnecting',
} as const;

/**
 * Whether this instance should get traffic: not while it shuts down (answered at once, nothing is
 * pinged), and only when the database answers. Redis and the read replica are reported but never make an instance
 * unready: without it the instance still takes payments and webhooks (`degraded`), and a load
 * balancer that pulled every instance during a Redis outage would stop them all. Liveness checks none
 * of this: a database outage must not get healthy processes restarted.
 *
 * A failure is answered with the names of what failed only; the reasons (addresses, driver errors)
 * go to the log.
 */
@Injectable()
export class Readiness {
  private readonly logger = new Logger(Readiness.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly shutdown: GracefulShutdown,
    @Inject(REDIS) private readonly redis: RedisLink | null,
    private readonly replica: ReadReplica,
  ) {}

  async check(): Promise<HealthCheckResult> {
    if (this.shutdown.draining) throw HealthError.shuttingDown();
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.database.pingCheck('database', { timeout: DATABASE_TIMEOUT_MS })]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const failing = failuresOf(error.getResponse());
      this.logger.warn(`not ready: ${failing.map(({ name, reason }) => `${name} (${reason})`).join('; ')}`);
      throw HealthError.notReady(failing.map(({ name }) => name));
    }
    if (this.redis) result = withDependency(result, this.redis.connected ? { redis: { status: 'up' } } : { redis: { ...REDIS_DEGRADED } });
    // Like Redis, the replica never makes an instance unready: its reads go to the primary meanwhile.
    if (this.replica.configured) result = withDependency(result, { replica: await this.replica.state() });
    return result;
  }
}

function withDependency(result: HealthCheckResult, dependency: HealthIndicatorResult): HealthCheckResult {
  return { ...result, info: { ...result.info, ...dependency }, details: { ...result.details, ...dependency } };
}

function failuresOf(result: unknown): Array<{ name: string; reason: string }> {
  const failing = Object.entries((result as Partial<HealthCheckResult>).error ?? {}).map(([name, detail]) => ({
    name,
    reason: typeof detail?.message === 'string' ? detail.message : 'down',
  }));
  return failing.length > 0 ? failing : [{ name: 'a check', reason: 'failed' }];
}
