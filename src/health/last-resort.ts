import { INestApplication, Logger } from '@nestjs/common';

/**
 * Errors of a network connection: a peer that went away (Redis, a client, Stripe), a name or route
 * that does not resolve. The connection they belong to is closed or reopened by its owner; nothing
 * of the process's own state is left half-changed by them.
 */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Error classes of the Redis client (node-redis) and of the service's own Redis link. */
const REDIS_ERROR_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'ClientClosedError',
  'ClientOfflineError',
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'ReconnectStrategyError',
  'RedisUnavailableError',
  'RedisTimeoutError',
]);

export function isConnectionError(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) || (typeof name === 'string' && REDIS_ERROR_NAMES.has(name));
}

/**
 * The process's last resort, for errors that no code path caught (SPEC §12: a dependency that
 * fails never makes the process exit):
 * - an unhandled promise rejection is logged with its stack and the process keeps serving: the
 *   promise's work has already ended, and nothing waits for it;
 * - an uncaught exception that is a connection's error (the list above: a peer gone, a timeout) is
 *   logged and the process keeps serving: the connection's owner reconnects;
 * - any other uncaught exception may have left the process's state half-changed: it is logged, the
 *   instance shuts down gracefully (in-flight requests finish, at most SHUTDOWN_TIMEOUT_MS) and
 *   exits with code 1, for its supervisor to start a fresh one. Money is never at risk either way:
 *   every balance change is one database transaction.
 */
export function installLastResortHandlers(app: INestApplication): void {
  const logger = new Logger('LastResort');
  let stopping = false;
  process.on('unhandledRejection', (reason: unknown) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    logger.error(`unhandled promise rejection, kept serving: ${error.name}: ${error.message}`, error.stack);
  });
  process.on('uncaughtException', (error: Error) => {
    if (isConnectionError(error)) {
      logger.error(`uncaught connection error, kept serving: ${error.name}: ${error.message}`, error.stack);
      return;
    }
    logger.fatal(`uncaught exception: ${error.name}: ${error.message}; shutting down to restart clean`, error.stack);
    if (stopping) return;
    stopping = true;
    app.close().then(
      () => process.exit(1),
      () => process.exit(1),
    );
  });
}
