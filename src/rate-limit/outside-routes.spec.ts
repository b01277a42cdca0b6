import type { ThrottlerStorage } from '@nestjs/throttler';
import { Env } from '../config/env.schema';
import { AnonymousBudget } from './anonymous-budget.service';
import { isOutsideRoutes, OutsideRoutesLimiter } from './outside-routes';

type Record = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A storage whose counter answers as given (the real ones are exercised in test/e2e/rate-limit.e2e.spec.ts). */
function limiterWith(increment: () => Promise<Record>): OutsideRoutesLimiter {
  return new OutsideRoutesLimiter(new AnonymousBudget({ increment }, { RATE_LIMIT_ANONYMOUS_PER_MINUTE: 2 } as Env));
}

describe(OutsideRoutesLimiter.name, () => {
  it('refuses once the budget is spent, with the wait the counter gives', async () => {
    const refusal = await limiterWith(() => Promise.resolve({ totalHits: 3, timeToExpire: 20, isBlocked: true, timeToBlockExpire: 42 })).refusal('10.0.0.1');
    expect(refusal).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterSeconds: 42 });
  });

  it('lets the request through when the counter fails', async () => {
    expect(await limiterWith(() => Promise.reject(new Error('Redis is down'))).refusal('10.0.0.1')).toBeNull();
  });
});

describe(isOutsideRoutes.name, () => {
  it.each([
    [undefined, true],
    ['/docs', true],
    ['/docs/swagger-ui.css', true],
    ['/docs-json', true],
    ['/docs/asyncapi.json', false],
    ['/health', false],
    ['/stripe/webhook', false],
    ['/profile-points/checkout', false],
  ])('%s: %s', (url, outside) => {
    expect(isOutsideRoutes(url)).toBe(outside);
  });
});
