import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
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
import { refuseClaims, TokenClaims, tokenPolicy, TokenPolicy, verifyOptions } from '../auth/token-policy';
import { handOnVerifiedToken, hmacKey } from '../auth/verified-token';
import { isId } from '../common/ids';
import { Env } from '../config/env.schema';
import { RATE_LIMIT, RateLimitName } from './rate-limit.decorators';
import { ANONYMOUS_REQUESTS, RateLimitError } from './rate-limit.errors';

/** Who a request is counted against: the user of a valid token, else the client IP. */
interface Caller {
  tracker: string;
  limit: RateLimitName | 'route';
}

type CountedRequest = Request & { rateLimitCaller?: Caller };

const WHAT: Record<RateLimitName, string> = {
  checkout: 'checkouts',
  spend: 'spends',
  user: 'requests',
  anonymous: ANONYMOUS_REQUESTS,
};

/**
 * Global, before authentication: each request counts against exactly one budget of SPEC §9 — its
 * route's own (checkout, spend) or the shared `user` budget for a valid token's user, `anonymous` for
 * everything else by client IP (so a flood of bad tokens is limited too). The token's signature and
 * claims are checked here as authentication will check them, so nobody can spend another user's budget
 * with a forged `sub`. A refused request answers 429 RATE_LIMITED with Retry-After and reaches no handler.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly jwt: JwtService;
  private readonly policy: TokenPolicy;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    env: Env,
  ) {
    super(options, storage, reflector);
    this.jwt = new JwtService({ secret: hmacKey(env.JWT_SECRET) });
    this.policy = tokenPolicy(env);
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const caller = this.callerOf(request.context);
    const budget = caller.limit === 'route' ? (this.routeLimit(request.context) ?? 'user') : caller.limit;
    if (request.throttler.name !== budget) return true;
    return super.handleRequest(request);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve((request as unknown as CountedRequest).rateLimitCaller!.tracker);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return budgetKey(throttlerName, tracker);
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const name = detail.key.slice(0, detail.key.indexOf(':')) as RateLimitName;
    throw RateLimitError.tooMany(WHAT[name] ?? 'requests', detail.timeToBlockExpire);
  }

  private routeLimit(context: ExecutionContext): RateLimitName | undefined {
    return this.reflector.get<RateLimitName | undefined>(RATE_LIMIT, context.getHandler());
  }

  private callerOf(context: ExecutionContext): Caller {
    const request = context.switchToHttp().getRequest<CountedRequest>();
    request.rateLimitCaller ??= this.identify(request);
    return request.rateLimitCaller;
  }

  private identify(request: Request): Caller {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (match) {
      try {
        const claims = this.jwt.verify<TokenClaims>(match[1], verifyOptions(this.policy));
        if (isId(claims.sub) && refuseClaims(claims, this.policy) === null) {
          // Authentication reuses these claims instead of verifying the same token a second time.
          handOnVerifiedToken(request, match[1], claims);
          return { tracker: `user:${claims.sub}`, limit: 'route' };
        }
      } catch {
        // Not a valid token: counted by address, and authentication answers 401 if the budget allows.
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
