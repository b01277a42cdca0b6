/**
 * One instance of the service for `npm run bench:sockets`, in a process of its own so that its
 * memory is its own: booted as main.ts boots it, configured by its environment, on a random port of
 * 127.0.0.1. Over IPC it says where it listens, and measures its memory after a full collection
 * (it runs with --expose-gc) when asked.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { configureApp, createHttpAdapter } from '../src/app.setup';
import { validateEnv } from '../src/config/env.schema';

export type ServiceMessage = { type: 'ready'; url: string } | { type: 'memory'; rss: number; heapUsed: number; external: number } | { type: 'failed'; message: string };

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule.forRoot(), createHttpAdapter(validateEnv(process.env)), {
    rawBody: true,
    forceCloseConnections: true,
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const { rss, heapUsed, external } = process.memoryUsage();
    process.send?.({ type: 'memory', rss, heapUsed, external } satisfies ServiceMessage);
  });
  process.on('disconnect', () => void app.close().finally(() => process.exit(0)));
  process.send?.({ type: 'ready', url } satisfies ServiceMessage);
}

main().catch((error: Error) => {
  process.send?.({ type: 'failed', message: error.stack ?? error.message } satisfies ServiceMessage);
  process.exit(1);
});
