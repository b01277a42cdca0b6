import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { ApiErrorResponse } from '../common/error-response.dto';
import { nodeRequestOf, requestIdOf } from '../common/request-id';
import { Env } from '../config/env.schema';
import { RateLimitError } from './rate-limit.errors';
import { budgetKey, ipTracker } from './rate-limit.guard';

const MINUTE_MS = 60_000;

/**
 * Whether a request is served outside the app's controllers, where no guard runs: Swagger UI and its
 * document (`/docs`, `/docs/…`, `/docs-json`, `/docs-yaml`), the reference client's pages and any
 * unknown path (404). The AsyncAPI document is a controller's, limited by the guard.
 */
export function isOutsideRoutes(routeUrl: string | undefined): boolean {
  if (routeUrl === undefined) return true;
  if (routeUrl === '/docs/asyncapi.json') return false;
  return routeUrl === '/docs' || routeUrl.startsWith('/docs/') || routeUrl === '/docs-json' || routeUrl === '/docs-yaml';
}

/**
 * The anonymous budget (RATE_LIMIT_ANONYMOUS_PER_MINUTE, per client IP) for requests served outside
 * the controllers, in the same counter as the rate-limit guard's (`anonymous:ip:<ip>`, Redis when
 * REDIS_URL is set): whatever path a client floods, only the webhook, health checks and metrics are
 * never limited (SPEC §9), and those are controllers.
 */
@Injectable()
export class OutsideRoutesLimiter {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly env: Env,
  ) {}

  /**
   * Counts one request from `ip`; the refusal once its budget is spent, else null. The storage never
   * waits long for Redis (it counts in memory when Redis is slow or down); should it fail anyway, the
   * request goes through: these pages and files never needed Redis.
   */
  async refusal(ip: string): Promise<RateLimitError | null> {
    const limit = this.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE;
    const record = await this.storage.increment(budgetKey('anonymous', ipTracker(ip)), MINUTE_MS, limit, MINUTE_MS, 'anonymous').catch(() => null);
    if (!record?.isBlocked) return null;
    return RateLimitError.tooMany('requests without a valid token from this address', record.timeToBlockExpire || record.timeToExpire);
  }

  /** The Fastify hook: answers 429 RATE_LIMITED with Retry-After before anything else is done. */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!isOutsideRoutes(request.routeOptions.url)) return;
      const refused = await this.refusal(request.ip);
      if (!refused) return;
      const body: ApiErrorResponse = { status: refused.status, error: refused.code, message: refused.message, correlationId: requestIdOf(nodeRequestOf(request)) };
      await reply.code(refused.status).header('Retry-After', String(refused.retryAfterSeconds)).send(body);
    });
  }
}
