import { QueryFailedError } from 'typeorm';

/** pg's pool rejects a wait past connectionTimeoutMillis (DB_CONNECTION_WAIT_MS) with this error message. */
export const POOL_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

/** Network failures of a connection to the database: refused, reset, unreachable, unresolvable. */
const CONNECTION_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * SQLSTATEs of a database that cannot serve now, whatever was asked: a connection exception (class
 * 08), a server shutting down, crashed or starting (57P01–57P03), too many connections (53300).
 */
const UNAVAILABLE_STATE = /^(08...|57P0[123]|53300)$/;

/**
 * Whether `error` says the database could not be used at all — no connection free within
 * DB_CONNECTION_WAIT_MS, or none could be made or kept — rather than that a statement failed. Such a
 * request did nothing that committed, and a retry a few seconds later can succeed: it is answered
 * 503 DATABASE_BUSY with Retry-After, never a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  // Duck-typed: the driver's and Node's errors are not always of this realm's Error class.
  if (typeof cause !== 'object' || cause === null) return false;
  const { message, code } = cause as { message?: unknown; code?: unknown };
  if (message === POOL_TIMEOUT_MESSAGE || (typeof message === 'string' && /^Connection terminated/.test(message))) return true;
  return typeof code === 'string' && (CONNECTION_CODES.has(code) || UNAVAILABLE_STATE.test(code));
}
