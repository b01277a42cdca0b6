import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Injectable } from '@nestjs/common';
import { WEBHOOK_PATH } from '../common/body-limits';
import type { ApiErrorResponse } from '../common/error-response.dto';
import { nodeRequestOf, requestIdOf } from '../common/request-id';
import { AnonymousBudget } from './anonymous-budget.service';
import { ANONYMOUS_REQUESTS, INVALID_WEBHOOKS, RateLimitError } from './rate-limit.errors';

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
 * The anonymous budget (RATE_LIMIT_ANONYMOUS_PER_MINUTE, per client IP) where no guard runs, before
 * anything else is done:
 * - every request served outside the controllers spends it: whatever path a client floods, only
 *   the webhook, health checks and metrics are never limited (SPEC §9);
 * - a webhook delivery is never counted, but its signature failures are (by the signature guard):
 *   an address that spent its budget on them is answered 429 before its next body (up to 1 MB) is
 *   even read, until the budget comes back. Stripe retries a 429 as it retries the 400 it replaces.
 */
@Injectable()
export class OutsideRoutesLimiter {
  constructor(private readonly budget: AnonymousBudget) {}

  /** Counts one request from `ip` outside the controllers; the refusal once its budget is spent, else null. */
  refusal(ip: string): Promise<RateLimitError | null> {
    return this.budget.spend(ip, ANONYMOUS_REQUESTS);
  }

  /** The Fastify hook: answers 429 RATE_LIMITED with Retry-After before anything else is done. */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const route = request.routeOptions.url;
      const refused =
        route === WEBHOOK_PATH ? this.budget.refusalNow(request.ip, INVALID_WEBHOOKS) : isOutsideRoutes(route) ? await this.refusal(request.ip) : null;
      if (!refused) return;
      const body: ApiErrorResponse = { status: refused.status, error: refused.code, message: refused.message, correlationId: requestIdOf(nodeRequestOf(request)) };
      await reply.code(refused.status).header('Retry-After', String(refused.retryAfterSeconds)).send(body);
    });
  }
}
