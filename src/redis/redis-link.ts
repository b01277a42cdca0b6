import { Logger } from '@nestjs/common';
import { createClient, RedisClientType } from 'redis';

export type RedisClient = RedisClientType<Record<string, never>, Record<string, never>, Record<string, never>, 3>;

/** How long one command may take before the caller falls back to what it does without Redis. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/**
 * How long an instance waits for Redis as it starts, so that its first requests already count in the
 * shared limits; past it, the instance starts without Redis and joins it when it appears.
 */
export const REDIS_STARTUP_WAIT_MS = 3_000;
/** After a failed command, callers skip Redis for this long rather than each waiting for it to fail too. */
export const REDIS_COOL_OFF_MS = 2_000;
/**
 * How often a connection is pinged, and how long a ping may wait for its answer: a Redis that stopped
 * answering without closing the connection (a black hole) is noticed within about twice this.
 */
const PING_INTERVAL_MS = 1_000;
/** While Redis stays unreachable, a reminder is logged this often (not one line per reconnection attempt). */
const STILL_DOWN_LOG_MS = 60_000;

export interface RedisLinkOptions {
  /** Names the connection in logs ("commands", "publish", "subscribe"). */
  name: string;
  /**
   * Queue commands sent while disconnected until the connection is back (the subscriber's
   * subscriptions). Off by default: a command sent while Redis is unreachable fails at once, so that
   * its caller falls back immediately.
   */
  offlineQueue?: boolean;
  commandTimeoutMs?: number;
  /**
   * Ping the server every PING_INTERVAL_MS (default true), which is how a Redis that stopped
   * answering without closing the connection is noticed: node-redis bounds the wait of a command
   * that is not sent yet, not of one sent and never answered. Off for a subscriber: in RESP2 a PING
   * inside a subscription is answered as a message.
   */
  ping?: boolean;
}

export type LinkListener = (up: boolean) => void;

/**
 * A connection to Redis that the service can live without (SPEC §12). Redis shares rate limits,
 * socket quotas and alerts between instances, but no payment needs it, so:
 * - the link connects in the background and keeps reconnecting for ever: an instance starts while
 *   Redis is down and joins it when it appears;
 * - `usable` says whether a command is worth sending now: connected, and no command failed in the
 *   last REDIS_COOL_OFF_MS; callers that find it unusable (or whose command fails, each bounded by
 *   REDIS_COMMAND_TIMEOUT_MS) use their per-instance fallback instead of waiting;
 * - errors never escape as exceptions or unhandled rejections, and are logged once per outage
 *   (down, a reminder every minute, back), not once per reconnection attempt.
 */
export class RedisLink {
  readonly client: RedisClient;
  private readonly logger: Logger;
  private readonly listeners = new Set<LinkListener>();
  private failedAt = 0;
  private downSince?: number;
  private lastReminder = 0;
  private closing = false;
  private readonly commandTimeoutMs: number;
  private heartbeat?: NodeJS.Timeout;
  private pingInFlight = false;

  constructor(
    url: string,
    readonly options: RedisLinkOptions,
  ) {
    this.logger = new Logger(`Redis:${options.name}`);
    this.commandTimeoutMs = options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS;
    this.client = createClient({
      url,
      disableOfflineQueue: !options.offlineQueue,
      commandOptions: { timeout: this.commandTimeoutMs },
      socket: { connectTimeout: 2_000 },
    });
    this.client.on('error', (error: Error) => this.down(error.message));
    this.client.on('ready', () => this.up());
  }

  /** Starts connecting; returns at once. The link becomes usable whenever Redis answers. */
  start(): this {
    this.client.connect().catch((error: Error) => {
      if (!this.closing) this.down(error.message);
    });
    if (this.options.ping !== false) {
      this.heartbeat = setInterval(() => this.ping(), PING_INTERVAL_MS);
      this.heartbeat.unref();
    }
    return this;
  }

  /** Resolves once connected, or after `ms` whatever happened (true when connected). Never rejects. */
  connectedWithin(ms: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        resolve(false);
      }, ms);
      const listener = (up: boolean) => {
        if (!up) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(true);
      };
      this.listeners.add(listener);
    });
  }

  /** Connected and not failing: a command sent now is expected to be answered in time. */
  get usable(): boolean {
    return this.connected && Date.now() - this.failedAt >= REDIS_COOL_OFF_MS;
  }

  /** Connected, and its last ping (or connection) did not fail. */
  get connected(): boolean {
    return this.client.isReady && this.downSince === undefined;
  }

  /**
   * Runs a command if the link is usable; rejects at once when it is not. A failure (including its
   * timeout) makes the link unusable for REDIS_COOL_OFF_MS, so that the next callers fall back
   * without waiting, and is reported to the caller, which decides what to do without Redis.
   */
  async run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.usable) throw new RedisUnavailableError(this.options.name);
    try {
      return await withinTimeout(command(this.client), this.commandTimeoutMs, this.options.name);
    } catch (error) {
      this.failedAt = Date.now();
      if (this.downSince === undefined) this.logger.warn(`Redis command failed (${(error as Error).message}); falling back for ${REDIS_COOL_OFF_MS / 1000} s`);
      throw error;
    }
  }

  /** Called with true when the link (re)connects and false when it is lost. */
  onChange(listener: LinkListener): void {
    this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
    else this.client.destroy();
  }

  /**
   * One PING at a time: unanswered within PING_INTERVAL_MS, the link is down (callers fall back)
   * until that PING, or a reconnection, is answered.
   */
  private ping(): void {
    if (this.pingInFlight || !this.client.isReady) return;
    this.pingInFlight = true;
    const answered = this.client.ping();
    answered.then(
      () => {
        this.pingInFlight = false;
        if (this.downSince !== undefined) this.up();
      },
      () => {
        this.pingInFlight = false;
      },
    );
    withinTimeout(answered, PING_INTERVAL_MS, this.options.name).catch((error: Error) => this.down(error.message));
  }

  private down(reason: string): void {
    if (this.closing) return;
    const now = Date.now();
    if (this.downSince === undefined) {
      this.downSince = now;
      this.lastReminder = now;
      this.logger.warn(`Redis unreachable (${reason}): serving without it (per-instance limits, alerts to this instance's sockets) and reconnecting`);
      this.emit(false);
    } else if (now - this.lastReminder >= STILL_DOWN_LOG_MS) {
      this.lastReminder = now;
      this.logger.warn(`Redis still unreachable after ${Math.round((now - this.downSince) / 1000)} s (${reason})`);
    }
  }

  private up(): void {
    if (this.downSince !== undefined) {
      this.logger.log(`Redis reachable again after ${((Date.now() - this.downSince) / 1000).toFixed(1)} s`);
    }
    this.downSince = undefined;
    this.failedAt = 0;
    this.emit(true);
  }

  private emit(up: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(up);
      } catch (error) {
        this.logger.error(`link listener failed: ${(error as Error).message}`, (error as Error).stack);
      }
    }
  }
}

/**
 * `promise`, or a rejection once `ms` have passed (0: no bound). A command sent and never answered
 * stays pending inside the client; its eventual failure is caught here.
 */
function withinTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  if (ms <= 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeoutError(name, ms)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export class RedisTimeoutError extends Error {
  constructor(name: string, ms: number) {
    super(`Redis (${name}) did not answer within ${ms} ms`);
    this.name = 'RedisTimeoutError';
  }
}

/** The link is down or failing: the caller uses its fallback. */
export class RedisUnavailableError extends Error {
  constructor(name: string) {
    super(`Redis (${name}) is unavailable`);
    this.name = 'RedisUnavailableError';
  }
}
