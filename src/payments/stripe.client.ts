import { Provider } from '@nestjs/common';
import Stripe from 'stripe';
import { Env } from '../config/env.schema';

export const STRIPE = Symbol('STRIPE');

/** The Stripe SDK, built from config; STRIPE_API_BASE_URL points it elsewhere (the emulator, tests). */
export const stripeProvider: Provider = {
  provide: STRIPE,
  inject: [Env],
  useFactory: (env: Env) => createStripeClient(env.STRIPE_SECRET_KEY ?? '', env.STRIPE_API_BASE_URL),
};

export function createStripeClient(secretKey: string, apiBaseUrl?: string): Stripe {
  const base = apiBaseUrl ? new URL(apiBaseUrl) : undefined;
  return new Stripe(secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base && {
      host: base.hostname,
      port: base.port || (base.protocol === 'https:' ? 443 : 80),
      protocol: base.protocol.replace(':', '') as 'http' | 'https',
    }),
  });
}
