import { FactoryProvider, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Env } from '../config/env.schema';

/** Injection token of the Redis link between instances; null when REDIS_URL is unset (one instance). */
export const REALTIME_CLUSTER = Symbol('REALTIME_CLUSTER');

export interface RealtimeCluster {
  /** The socket.io adapter factory (`io.adapter(...)`) that shares rooms and server-side events over Redis. */
  adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects the Redis pub/sub clients of @socket.io/redis-adapter while the module graph is built,
 * that is before the gateway is initialised and long before it accepts sockets. An unreachable Redis
 * is a startup error (after 10 s) rather than an instance that silently delivers only its own alerts;
 * once connected, the clients reconnect by themselves and errors are logged.
 */
export const realtimeClusterProvider: FactoryProvider<RealtimeCluster | null> = {
  provide: REALTIME_CLUSTER,
  inject: [ConfigService],
  useFactory: async (config: ConfigService<Env, true>): Promise<RealtimeCluster | null> => {
    const url = config.get('REDIS_URL', { infer: true });
    if (!url) return null;
    const logger = new Logger('RealtimeCluster');
    const pub = createClient({ url });
    const sub = pub.duplicate();
    for (const client of [pub, sub]) client.on('error', (error: Error) => logger.error(`Redis: ${error.message}`));

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis (REDIS_URL) unreachable after ${CONNECT_TIMEOUT_MS / 1000}s`)), CONNECT_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all([pub.connect(), sub.connect()]), deadline]);
    } catch (error) {
      pub.destroy();
      sub.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    logger.log('Websocket gateway shares rooms through Redis: alerts reach sockets on every instance');

    return {
      adapter: createAdapter(pub, sub),
      async close() {
        await Promise.allSettled([pub.close(), sub.close()]);
      },
    };
  },
};

/** Closes the Redis clients once the socket server (and with it the adapter) is closed. */
@Injectable()
export class RealtimeClusterLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REALTIME_CLUSTER) private readonly cluster: RealtimeCluster | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.cluster?.close();
  }
}
