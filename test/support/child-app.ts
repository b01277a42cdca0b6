import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { configureApp, createHttpAdapter } from '../../src/app.setup';
import { validateEnv } from '../../src/config/env.schema';
import { installLastResortHandlers } from '../../src/health/last-resort';
import { useStructuredLogging } from '../../src/observability/logging';

/**
 * The service as its own process, for tests that must kill it (SIGKILL) and start it again.
 * Configured only by its environment, like main.ts, but on a random port and without the local
 * services: the test gives it DATABASE_URL and the Stripe emulator's URL. When it listens it
 * prints one line `{"ready":"http://127.0.0.1:<port>"}` on stdout.
 *
 * Started by test/support/child-process.ts (TypeScript compiled on load by SWC).
 */
async function main(): Promise<void> {
  // Given LOG_FORMAT, it logs as main.ts does (everything, through pino); otherwise errors and warnings only.
  const structured = process.env.LOG_FORMAT !== undefined;
  const app = await NestFactory.create(AppModule.forRoot(), createHttpAdapter(validateEnv(process.env)), {
    rawBody: true,
    forceCloseConnections: true,
    ...(structured ? { bufferLogs: true } : { logger: ['error', 'warn'] as const }),
  });
  if (structured) useStructuredLogging(app);
  installLastResortHandlers(app);
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ ready: url })}\n`);
}

main().catch((error: unknown) => {
  console.error('child app failed to start:', error);
  process.exit(1);
});
