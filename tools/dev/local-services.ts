import { Logger } from '@nestjs/common';
import type { LocalServices } from '../../src/bootstrap';
import { Env, runsOnLocalServices } from '../../src/config/env.schema';
import { startEmbeddedDatabase } from './embedded-database';
import { seedDemo } from './demo-seed';

const EMULATOR_WEBHOOK_SECRET = 'whsec_local_emulator_secret';

/**
 * The newcomer path: with DATABASE_URL unset an embedded PostgreSQL starts under DATA_DIR; with
 * STRIPE_SECRET_KEY unset the bundled Stripe emulator starts and the SDK is pointed at it. Neither
 * can happen in production, where the config schema requires both. APP_URL unset is given its
 * documented default, http://localhost:PORT, so that the browser origin allowed to use the API and
 * the socket is the one the reference client is served from.
 */
export async function startLocalServices(env: Env): Promise<LocalServices> {
  const logger = new Logger('LocalServices');
  if (env.NODE_ENV === 'production') return { active: false, afterListen: () => Promise.resolve() };

  const active = runsOnLocalServices(process.env);
  process.env.APP_URL ||= `http://localhost:${env.PORT}`;
  const embedded = !env.DATABASE_URL;
  if (embedded) {
    const database = await startEmbeddedDatabase({
      dataDir: env.DATA_DIR,
      database: 'profile_points',
      onError: (message) => logger.warn(message),
    });
    process.env.DATABASE_URL = database.url;
    logger.log(`Embedded PostgreSQL started (data in ${env.DATA_DIR}/postgres)`);
  }

  let emulator: { url: string; setWebhookUrl(url: string): void } | undefined;
  if (!env.STRIPE_SECRET_KEY) {
    // Loaded on demand: a process with a Stripe key (or in production) never loads the emulator.
    const { StripeEmulator } = await import('../stripe-emulator/index.js');
    const started = await StripeEmulator.start({ webhookSecret: EMULATOR_WEBHOOK_SECRET });
    Object.assign(process.env, {
      STRIPE_SECRET_KEY: 'sk_test_local_emulator',
      STRIPE_PUBLISHABLE_KEY: env.STRIPE_PUBLISHABLE_KEY ?? 'pk_test_local_emulator',
      STRIPE_WEBHOOK_SECRET: EMULATOR_WEBHOOK_SECRET,
      STRIPE_API_BASE_URL: started.url,
    });
    logger.log(`Stripe emulator on ${started.url}: no money moves, webhooks are signed and delivered here`);
    emulator = started;
  }

  return {
    active,
    async afterListen(app, baseUrl) {
      emulator?.setWebhookUrl(`${baseUrl}/stripe/webhook`);
      if (embedded) await seedDemo(app, baseUrl, env);
    },
  };
}
