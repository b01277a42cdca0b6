import { FactoryProvider, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { Env } from '../config/env.schema';
import { REDIS_STARTUP_WAIT_MS, RedisClient, RedisLink } from '../redis/redis-link';

/** Injection token of the Redis link between instances; null when REDIS_URL is unset (one instance). */
export const REALTIME_CLUSTER = Symbol('REALTIME_CLUSTER');

/** Publishes that failed while Redis was unreachable, kept to be sent again once it is back (the oldest dropped beyond). */
export const MAX_HELD_PUBLISHES = 2_000;

export interface RealtimeCluster {
  /** The socket.io adapter factory (`io.adapter(...)`) that carries server-side events between instances over Redis. */
  adapter: ReturnType<typeof createAdapter>;
  /** Publishing and subscribing both work now. */
  readonly connected: boolean;
  /** Called with false when either link is lost, with true when both work again. */
  onChange(listener: (connected: boolean) => void): void;
  close(): Promise<void>;
}

/**
 * The Redis link between instances, for @socket.io/redis-adapter, made safe to lose (SPEC §12):
 * - both connections start in the background: an instance starts while Redis is down and joins
 *   the others when it appears;
 * - the adapter publishes without waiting for (or catching) the result: a publish that fails is
 *   caught here — it would otherwise be an unhandled rejection that ends the process — held (the
 *   newest MAX_HELD_PUBLISHES), and sent again once Redis is back, so that instances still
 *   connected to Redis get what this one could not send them;
 * - the adapter subscribes once, when it is created: subscriptions asked for while the subscriber
 *   is not connected are made when it connects, and made again on every reconnection (node-redis
 *   renews the ones it holds itself; asking again for one held is a no-op).
 * What the other instances published while this one was cut off is read back from the database by
 * the gateway once the link is back (see NotificationsGateway.catchUp).
 */
export const realtimeClusterProvider: FactoryProvider<RealtimeCluster | null> = {
  provide: REALTIME_CLUSTER,
  inject: [Env],
  useFactory: async (env: Env): Promise<RealtimeCluster | null> => {
    if (!env.REDIS_URL) return null;
    const logger = new Logger('RealtimeCluster');
    const publisher = new RedisLink(env.REDIS_URL, { name: 'publish', commandTimeoutMs: 1_000 }).start();
    // Without a command timeout: a subscription waits for the connection, however long that takes.
    const subscriber = new RedisLink(env.REDIS_URL, { name: 'subscribe', offlineQueue: true, ping: false, commandTimeoutMs: 0 }).start();
    const held: Array<[string, string | Buffer]> = [];
    let droppedHeld = 0;
    const listeners = new Set<(connected: boolean) => void>();
    let connected = false;

    const hold = (channel: string, message: string | Buffer) => {
      held.push([channel, message]);
      if (held.length > MAX_HELD_PUBLISHES) {
        held.shift();
        droppedHeld += 1;
      }
    };
    const resend = () => {
      const pending = held.splice(0);
      if (droppedHeld > 0) logger.warn(`${droppedHeld} alerts for other instances were dropped during the outage; their sockets get them on reconnection`);
      droppedHeld = 0;
      if (pending.length > 0) logger.log(`sending ${pending.length} alerts held while Redis was unreachable`);
      for (const [channel, message] of pending) void publish(channel, message);
    };
    const publish = (channel: string, message: string | Buffer): Promise<number> =>
      publisher.run((client) => client.publish(channel, message)).catch(() => {
        hold(channel, message);
        return 0;
      });

    const subscriptions: Array<(client: RedisClient) => Promise<unknown>> = [];
    const subscribe = (ask: (client: RedisClient) => Promise<unknown>) => {
      if (subscriber.client.isReady) ask(subscriber.client).catch((error: Error) => logger.warn(`subscription failed, retried on reconnection: ${error.message}`));
    };

    const update = () => {
      const now = publisher.connected && subscriber.client.isReady;
      if (now === connected) return;
      connected = now;
      if (now) resend();
      for (const listener of listeners) listener(now);
    };
    publisher.onChange(update);
    subscriber.onChange((up) => {
      if (up) for (const ask of subscriptions) subscribe(ask);
      update();
    });

    const pub = new Proxy(publisher.client, {
      get(target, property) {
        if (property === 'publish') return publish;
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const sub = new Proxy(subscriber.client, {
      get(target, property) {
        if (property === 'subscribe' || property === 'pSubscribe') {
          return (...args: unknown[]) => {
            const ask = (client: RedisClient) => (client[property] as (...a: unknown[]) => Promise<unknown>)(...args);
            subscriptions.push(ask);
            subscribe(ask);
            return Promise.resolve();
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });

    // As the command link: a moment for Redis at startup, then on without it.
    await Promise.all([publisher.connectedWithin(REDIS_STARTUP_WAIT_MS), subscriber.connectedWithin(REDIS_STARTUP_WAIT_MS)]);
    return {
      adapter: createAdapter(pub, sub),
      get connected() {
        return connected;
      },
      onChange(listener) {
        listeners.add(listener);
      },
      async close() {
        await Promise.allSettled([publisher.close(), subscriber.close()]);
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
