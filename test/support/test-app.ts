import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { AppSetupOptions, configureApp, createHttpAdapter } from '../../src/app.setup';
import { validateEnv } from '../../src/config/env.schema';
import { developmentModules } from '../../tools/dev/development.module';
import { StripeEmulator } from '../../tools/stripe-emulator';
import { OutboxRelay } from '../../src/events/outbox-relay';
import { createStripeClient } from '../../src/payments/stripe.client';
import { CapturingLogger } from './captured-logs';
import { recordRoutes } from './routes';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const TEST_WEBHOOK_SECRET = 'whsec_test_emulator_secret';

export interface TestApp {
  app: INestApplication;
  url: string;
  db: DataSource;
  emulator: StripeEmulator;
  /** The real Stripe SDK, pointed at the emulator (what the service itself uses). */
  stripe: Stripe;
  /** Publishes every outbox event that is due, now. */
  drainOutbox(): Promise<void>;
  close(): Promise<void>;
}

/** The settings every test instance of the service runs with, in this process or as a child process. */
export function testServiceEnv(databaseUrl: string, stripeApiUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DB_MIGRATIONS_RUN: 'true',
    JWT_SECRET: TEST_JWT_SECRET,
    STRIPE_SECRET_KEY: 'sk_test_emulator',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_emulator',
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_WEBHOOK_TOLERANCE: '300',
    STRIPE_API_BASE_URL: stripeApiUrl,
    APP_URL: 'http://frontend.test',
    OUTBOX_POLL_INTERVAL_MS: '250',
    // Suites send bursts as one user; the rate-limit suite sets its own, low limits.
    RATE_LIMIT_CHECKOUT_PER_MINUTE: '100000',
    RATE_LIMIT_SPEND_PER_MINUTE: '100000',
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
    RATE_LIMIT_INTEGRATION_PER_MINUTE: '100000',
    SOCKET_MAX_CONNECTIONS_PER_USER: '1000',
  };
}

/** The whole service on a random port, on the test database, talking to a fresh Stripe emulator. */
export async function startTestApp(env: Record<string, string> = {}, setup: AppSetupOptions = {}): Promise<TestApp> {
  const emulator = await StripeEmulator.start({ webhookSecret: TEST_WEBHOOK_SECRET, retry: { attempts: 3, baseDelayMs: 50 } });
  Object.assign(process.env, testServiceEnv(requireEnv('TEST_DATABASE_URL'), emulator.url), env);

  let app: INestApplication;
  try {
    const settings = validateEnv(process.env);
    // As `npm start` (tools/dev/main.ts): NODE_ENV=development adds the demo picker's route.
    const root = AppModule.forRoot({ modules: developmentModules(settings) });
    // Nest's testing logger would print every ERROR line; this one keeps them with the test that logged them.
    const moduleRef = await Test.createTestingModule({ imports: [root] })
      .setLogger(new CapturingLogger())
      .compile();
    const adapter = createHttpAdapter(settings);
    recordRoutes(adapter);
    app = moduleRef.createNestApplication(adapter, { rawBody: true, forceCloseConnections: true, logger: ['error', 'warn'] });
    configureApp(app, setup);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A service that cannot boot must fail its suite, not leave the emulator's server keeping Jest alive.
    await emulator.stop();
    throw error;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  emulator.setWebhookUrl(`${url}/stripe/webhook`);

  return {
    app,
    url,
    db: app.get(DataSource),
    emulator,
    stripe: createStripeClient('sk_test_emulator', emulator.url),
    drainOutbox: () => app.get(OutboxRelay).drainNow(),
    async close() {
      await emulator.idle();
      await app.close();
      await emulator.stop();
    },
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (its global setup prepares the database)`);
  return value;
}
