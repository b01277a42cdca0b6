import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { configureApp, createHttpAdapter } from '../src/app.setup';
import { validateEnv } from '../src/config/env.schema';
import { StripeEmulator } from '../tools/stripe-emulator';

export const BENCH_JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
export const BENCH_WEBHOOK_SECRET = 'whsec_bench_emulator_secret';

export interface BenchService {
  url: string;
  app: INestApplication;
  db: DataSource;
  emulator: StripeEmulator;
  close(): Promise<void>;
}

/**
 * The service in this process, configured like test/support/test-app.ts, but built with NestFactory
 * as main.ts does (no testing module in the measured path). The emulator only serves the Stripe API
 * for the checkout route; the bench delivers the webhooks itself so it can time them.
 */
/** The settings of every service instance the bench starts (credit phases and the adapter comparison). */
export function benchServiceEnv(databaseUrl: string, stripeApiUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DB_MIGRATIONS_RUN: 'true',
    JWT_SECRET: BENCH_JWT_SECRET,
    STRIPE_SECRET_KEY: 'sk_test_emulator',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_emulator',
    STRIPE_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
    STRIPE_WEBHOOK_TOLERANCE: '300',
    STRIPE_API_BASE_URL: stripeApiUrl,
    APP_URL: 'http://frontend.bench',
    // The bench is one client sending thousands of requests a minute: measure the work, not the limiter.
    RATE_LIMIT_CHECKOUT_PER_MINUTE: '10000000',
    RATE_LIMIT_SPEND_PER_MINUTE: '10000000',
    RATE_LIMIT_PER_MINUTE: '10000000',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '10000000',
  };
}

export async function startService(databaseUrl: string): Promise<BenchService> {
  const emulator = await StripeEmulator.start({ webhookSecret: BENCH_WEBHOOK_SECRET, retry: { attempts: 1, baseDelayMs: 0 } });
  Object.assign(process.env, benchServiceEnv(databaseUrl, emulator.url));

  let app: INestApplication | undefined;
  try {
    // abortOnError: false, or a boot failure would process.abort() before the scratch databases are dropped.
    app = await NestFactory.create(AppModule.forRoot(), createHttpAdapter(validateEnv(process.env)), {
      rawBody: true,
      forceCloseConnections: true,
      logger: ['error'],
      abortOnError: false,
    });
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    emulator.setWebhookUrl(`${url}/stripe/webhook`);
    const started = app;
    return {
      url,
      app: started,
      db: started.get(DataSource),
      emulator,
      async close() {
        await started.close();
        await emulator.stop();
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await emulator.stop();
    throw error;
  }
}
