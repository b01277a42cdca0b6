import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { validateEnv } from './config/env.schema';
import { StartupError } from './config/startup-error';
import { startLocalServices } from './dev/local-services';
import { installLastResortHandlers } from './health/last-resort';
import { useStructuredLogging } from './observability/logging';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  // Only outside production, and only for what is not configured: an embedded database, the Stripe emulator.
  const local = await startLocalServices(env);

  // Logs wait for the JSON logger (LOG_FORMAT) rather than going out as Nest's text first.
  const app = await NestFactory.create(AppModule.forRoot({ localServices: local.active }), createHttpAdapter(env), { rawBody: true, bufferLogs: true });
  useStructuredLogging(app);
  installLastResortHandlers(app);
  configureApp(app);
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

/** `::` (IPv6 and, dual-stack, IPv4) when the machine has IPv6 at all; else `0.0.0.0`. */
function everyInterface(): string {
  const ipv6 = Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.family === 'IPv6'));
  return ipv6 ? '::' : '0.0.0.0';
}

bootstrap().catch((error: unknown) => {
  // Configuration problems, a checkout the embedded database cannot reach: the message says it all.
  if (error instanceof StartupError) {
    console.error(error.message);
  } else {
    console.error('Startup failed:', error);
  }
  process.exit(1);
});
