import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { REDIS, type RedisClient } from '../redis/redis.module';
import { HealthError } from './health.errors';
import { GracefulShutdown } from './shutdown';

const DATABASE_TIMEOUT_MS = 3000;
const REDIS_TIMEOUT_MS = 1000;

/**
 * Whether this instance should get traffic: not while it shuts down (answered at once, nothing is
 * pinged), and only when the database and, when configured, Redis answer. Liveness checks none of
 * this: a database outage must not get healthy processes restarted.
 */
@Injectable()
export class Readiness {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: GracefulShutdown,
    @Inject(REDIS) private readonly redis: RedisClient | null,
  ) {}

  async check(): Promise<HealthCheckResult> {
    if (this.shutdown.draining) throw HealthError.shuttingDown();
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('database', { timeout: DATABASE_TIMEOUT_MS })];
    const redis = this.redis;
    if (redis) {
      checks.push(() =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await redis.ping();
          })
          .withTimeout(REDIS_TIMEOUT_MS),
      );
    }
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw HealthError.notReady(failuresOf(error.getResponse()));
      throw error;
    }
  }
}

function failuresOf(result: unknown): string[] {
  const failing = Object.entries((result as Partial<HealthCheckResult>).error ?? {}).map(
    ([name, detail]) => `${name}: ${typeof detail?.message === 'string' ? detail.message : 'down'}`,
  );
  return failing.length > 0 ? failing : ['a check failed'];
}
