import { SetMetadata } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';

/**
 * The per-user limits with their own budget (SPEC §9); every other authenticated route shares `user`.
 * `integration`: the platform's backend on the integration routes (SPEC §10), all of it together.
 */
export type RateLimitName = 'checkout' | 'spend' | 'user' | 'anonymous' | 'integration';

export const RATE_LIMIT = 'rate-limit:name';

/** Counts the route against its own per-user budget instead of the shared one. */
export const RateLimit = (name: 'checkout' | 'spend' | 'integration') => SetMetadata(RATE_LIMIT, name);

/** Never limited: Stripe's deliveries, health checks and metrics scrapes (SPEC §9). */
export const NoRateLimit = () => SkipThrottle({ checkout: true, spend: true, user: true, anonymous: true, integration: true });
