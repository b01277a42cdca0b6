import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  NestMiddleware,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OPERATIONS_PATHS } from '../common/operations-paths';
import { Env } from '../config/env.schema';
import { HealthError } from './health.errors';

/** socket.io's long-polling requests belong to open sockets, which the socket server closes itself. */
const SOCKET_IO_PATH = '/socket.io/';
const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Graceful shutdown, in the order Nest runs its hooks (enableShutdownHooks in app.setup.ts):
 *
 * 1. From the first moment (the signal, or app.close()): `draining`. Readiness answers 503, every
 *    request arriving from then on, except probes and scrapes, is refused with 503 SHUTTING_DOWN
 *    (before any work: Stripe and clients retry, elsewhere or later), and every answer carries
 *    `Connection: close`, so keep-alive connections end with their current request.
 * 2. beforeApplicationShutdown: waits for the requests already received (a webhook delivery answers
 *    only after its commit), at most SHUTDOWN_TIMEOUT_MS. The outbox relay, in its own hook, stops
 *    claiming and frees what it holds.
 * 3. Nest then closes the socket server (sockets are disconnected) and the HTTP server, and the
 *    database pool and Redis last.
 *
 * On a signal, a deadline is armed too: if the whole sequence has not ended within
 * SHUTDOWN_TIMEOUT_MS, the process logs what was still open and exits with code 1.
 */
@Injectable()
export class GracefulShutdown implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly timeoutMs: number;
  private readonly open = new Set<ServerResponse>();
  /** Per request: did it arrive before draining began? Decided once, at arrival. */
  private readonly arrivedBeforeDrain = new WeakMap<IncomingMessage, boolean>();
  private startedAt?: number;
  private deadline?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    env: Env,
  ) {
    this.timeoutMs = env.SHUTDOWN_TIMEOUT_MS;
  }

  /**
   * Whether a request may start work: only if it arrived before draining began. A delivery whose
   * headers came before the signal and its body after is still one already received.
   */
  admits(request: IncomingMessage): boolean {
    let admitted = this.arrivedBeforeDrain.get(request);
    if (admitted === undefined) {
      admitted = !this.draining;
      this.arrivedBeforeDrain.set(request, admitted);
    }
    return admitted;
  }

  /** True from the first moment of shutdown; Express's adapter flags it before any hook runs. */
  get draining(): boolean {
    if (this.startedAt !== undefined) return true;
    return (this.adapterHost.httpAdapter as { isShuttingDown?: boolean } | undefined)?.isShuttingDown === true;
  }

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('request', this.track);
    for (const signal of SIGNALS) process.once(signal, this.onSignal);
  }

  onModuleDestroy(): void {
    this.begin('close');
  }

  async beforeApplicationShutdown(): Promise<void> {
    const received = [...this.open];
    if (received.length === 0) return;
    this.logger.log(`waiting for ${received.length} request(s) already received`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    const answered = Promise.all(received.map((response) => once(response, 'close'))).then(() => 'answered' as const);
    const result = await Promise.race([answered, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') this.logger.warn(`${this.open.size} request(s) still open after SHUTDOWN_TIMEOUT_MS=${this.timeoutMs}`);
  }

  onApplicationShutdown(): void {
    for (const signal of SIGNALS) process.removeListener(signal, this.onSignal);
    if (this.startedAt !== undefined) this.logger.log(`shutdown complete in ${Date.now() - this.startedAt} ms`);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.begin(signal);
    // Not cleared on success: Nest re-raises the signal and the process ends before it fires.
    this.deadline ??= setTimeout(() => {
      this.logger.error(`shutdown did not finish within SHUTDOWN_TIMEOUT_MS=${this.timeoutMs} (${this.open.size} request(s) open); exiting`);
      process.exit(1);
    }, this.timeoutMs);
    this.deadline.unref();
  };

  private begin(reason: string): void {
    if (this.startedAt !== undefined) return;
    this.startedAt = Date.now();
    this.logger.log(`shutting down (${reason}): readiness answers 503, new requests are refused, ${this.open.size} in flight`);
    for (const response of this.open) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
    }
  }

  private readonly track = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.url?.startsWith(SOCKET_IO_PATH)) return;
    this.admits(request);
    this.open.add(response);
    response.once('close', () => this.open.delete(response));
    if (this.draining && !response.headersSent) response.setHeader('Connection', 'close');
  };
}

/**
 * Refuses the requests that arrived while draining (see GracefulShutdown), before they reach a guard
 * or a handler. Express runs it once the body has been read; whether the request is new was decided
 * when it arrived.
 */
@Injectable()
export class RefuseNewWorkWhileDraining implements NestMiddleware {
  constructor(private readonly shutdown: GracefulShutdown) {}

  use(request: IncomingMessage & { originalUrl?: string }, response: ServerResponse, next: (error?: unknown) => void): void {
    const path = (request.originalUrl ?? request.url ?? '').split('?')[0];
    // Probes and scrapes keep being answered while draining: readiness says 503 itself, liveness 200.
    if (this.shutdown.admits(request) || OPERATIONS_PATHS.has(path)) return next();
    response.setHeader('Connection', 'close');
    next(HealthError.shuttingDown());
  }
}
