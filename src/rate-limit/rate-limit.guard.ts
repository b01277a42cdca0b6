import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest as Request } from 'fastify';
import { IntegrationCredential } from '../auth/integration-credential';
import { TokenVerifier } from '../auth/token-verifier';
import { bearerTokenOf, handOnVerifiedToken } from '../auth/verified-token';
import { RATE_LIMIT, RateLimitName } from './rate-limit.decorators';
import { ANONYMOUS_REQUESTS, RateLimitError } from './rate-limit.errors';

/** Who a request is counted against: the user of a valid token, else the client IP. */
interface Caller {
  tracker: string;
  limit: RateLimitName | 'route';
}

type CountedRequest = Request & { rateLimitCaller?: Promise<Caller> };

const WHAT: Record<RateLimitName, string> = {
  checkout: 'checkouts',
  spend: 'spends',
  user: 'requests',
  anonymous: ANONYMOUS_REQUESTS,
  integration: "requests from the platform's backend",
};

/** Every request of the platform's backend with a valid INTEGRATION_TOKEN shares one budget. */
const PLATFORM_TRACKER = 'platform';

/**
 * Global, before authentication: each request counts against exactly one budget of SPEC §9 and §10 —
 * its route's own (checkout, spend) or the shared `user` budget for a valid token's user, the
 * `integration` budget for the platform's backend on the integration routes (a valid
 * INTEGRATION_TOKEN: all of its requests together), `anonymous` for everything else by client IP (so
 * a flood of bad tokens is limited too). The token is verified here by the same TokenVerifier as
 * authentication, so nobody can spend another user's budget with a forged `sub`. A refused request
 * answers 429 RATE_LIMITED with Retry-After and reaches no handler.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly integration: IntegrationCredential,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const caller = await this.callerOf(request.context);
    const budget = caller.limit === 'route' ? (this.routeLimit(request.context) ?? 'user') : caller.limit;
    if (request.throttler.name !== budget) return true;
    return super.handleRequest(request);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return (await (request as unknown as CountedRequest).rateLimitCaller!).tracker;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return budgetKey(throttlerName, tracker);
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const name = detail.key.slice(0, detail.key.indexOf(':')) as RateLimitName;
    throw RateLimitError.tooMany(WHAT[name] ?? 'requests', detail.timeToBlockExpire);
  }

  private routeLimit(context: ExecutionContext): RateLimitName | undefined {
    // On the handler, or on its controller (every integration route is `integration`).
    return this.reflector.getAllAndOverride<RateLimitName | undefined>(RATE_LIMIT, [context.getHandler(), context.getClass()]);
  }

  private callerOf(context: ExecutionContext): Promise<Caller> {
    const request = context.switchToHttp().getRequest<CountedRequest>();
    request.rateLimitCaller ??= this.identify(request, this.routeLimit(context));
    return request.rateLimitCaller;
  }

  private async identify(request: Request, routeLimit: RateLimitName | undefined): Promise<Caller> {
    if (routeLimit === 'integration') {
      if (this.integration.accepts(request.headers.authorization)) return { tracker: PLATFORM_TRACKER, limit: 'integration' };
    } else {
      const token = bearerTokenOf(request.headers.authorization);
      if (token !== null) {
        try {
          const verified = await this.verifier.verify(token);
          // Authentication reuses what was verified instead of verifying the same token a second time.
          handOnVerifiedToken(request, token, verified);
          return { tracker: `user:${verified.userId}`, limit: 'route' };
        } catch {
          // Not a valid token (or the platform's keys unreadable): counted by address, and
          // authentication answers 401 (or 503) if the budget allows.
        }
      }
    }
    return { tracker: ipTracker(request.ip ?? 'unknown'), limit: 'anonymous' };
  }
}

/** The counter of one budget for one caller, in the throttler's storage (Redis or memory). */
export function budgetKey(budget: string, tracker: string): string {
  return `${budget}:${tracker}`;
}

/** A caller without a valid token, counted by client address. */
export function ipTracker(ip: string): string {
  return `ip:${ip}`;
}
