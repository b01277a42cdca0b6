import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { DynamicModule, INestApplication, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { Env, validateEnv } from './config/env.schema';
import { StartupError } from './config/startup-error';
import { installLastResortHandlers } from './health/last-resort';
import { useStructuredLogging } from './observability/logging';
import type { ErrorClass } from './openapi-error-examples';

/** Services an entry point started for the process before the app exists (the embedded database, the Stripe emulator). */
export interface LocalServices {
  /** True when both the embedded database and the emulator run: the public development secrets are in use. */
  active: boolean;
  afterListen(app: INestApplication, baseUrl: string): Promise<void>;
}

/**
 * What an entry point adds to the service. src/main.ts (production, the image) adds nothing;
 * tools/dev/main.ts (`npm start`, `npm run start:dev`) adds the embedded database, the Stripe
 * emulator and the development modules, which live in tools/ so that the production build never
 * holds them.
 */
export interface EntryPoint {
  /** Runs before the app is created, on the validated settings; may set process.env, which is read again. */
  startLocalServices?(env: Env): Promise<LocalServices>;
  /** Modules added to AppModule for these settings. */
  modules?(env: Env): Array<Type | DynamicModule>;
  /** Error classes of those modules, whose codes the API document gives examples of. */
  errorClasses?: ErrorClass[];
}

const NO_LOCAL_SERVICES: LocalServices = { active: false, afterListen: () => Promise.resolve() };

/** Boots the service configured by its environment (and .env), and exits 1 when it cannot start. */
export function runService(entry: EntryPoint = {}): void {
  bootstrap(entry).catch((error: unknown) => {
    // Configuration problems, a checkout the embedded database cannot reach: the message says it all.
    if (error instanceof StartupError) {
      console.error(error.message);
    } else {
      console.error('Startup failed:', error);
    }
    process.exit(1);
  });
}

async function bootstrap(entry: EntryPoint): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  // Only outside production, and only for what is not configured: an embedded database, the Stripe emulator.
  const local = entry.startLocalServices ? await entry.startLocalServices(env) : requireConfiguredServices(env);

  // Logs wait for the JSON logger (LOG_FORMAT) rather than going out as Nest's text first.
  const app = await NestFactory.create(
    AppModule.forRoot({ localServices: local.active, modules: entry.modules?.(env) }),
    createHttpAdapter(env),
    { rawBody: true, bufferLogs: true },
  );
  useStructuredLogging(app);
  installLastResortHandlers(app);
  configureApp(app, { errorClasses: entry.errorClasses });
  // On the built-in development services the JWT and webhook secrets are public: reachable from this
  // machine only. Otherwise every interface, IPv6 and IPv4 where the machine has IPv6 (Fastify alone
  // would listen on localhost, out of reach of a container's published port or a load balancer).
  await app.listen(env.PORT, local.active ? '127.0.0.1' : everyInterface());
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  Logger.log(`Profile Points listening on ${url} — API docs: ${url}/docs`, 'Bootstrap');
  if (env.NODE_ENV === 'production' && !env.METRICS_TOKEN) {
    Logger.warn('GET /metrics answers anyone (sales counters, webhook outcomes): set METRICS_TOKEN, or keep /metrics off the public network', 'Bootstrap');
  }
  await local.afterListen(app, url);
}

/**
 * Without the development entry point nothing is started for the service: outside production (where
 * the settings' validation already requires them) a missing database or Stripe key is refused here,
 * with where the embedded database and the emulator are.
 */
function requireConfiguredServices(env: Env): LocalServices {
  const missing = [!env.DATABASE_URL && 'DATABASE_URL', !env.STRIPE_SECRET_KEY && 'STRIPE_SECRET_KEY'].filter(Boolean);
  if (missing.length > 0) {
    throw new StartupError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set, and this entry point starts no embedded database or Stripe emulator: ` +
        'run `npm start` (tools/dev/main.ts) for them, or configure a PostgreSQL server and a Stripe test key',
    );
  }
  return NO_LOCAL_SERVICES;
}

/** `::` (IPv6 and, dual-stack, IPv4) when the machine has IPv6 at all; else `0.0.0.0`. */
function everyInterface(): string {
  const ipv6 = Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.family === 'IPv6'));
  return ipv6 ? '::' : '0.0.0.0';
}
