import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { answerClientError } from './client-errors';
import { IMPORT_PATH } from './body-limits';

/** The import's idle limit, kept on its request so that its handler can hold the timer while it works. */
const IDLE_LIMIT = Symbol('importIdleLimitMs');
type WithIdleLimit = IncomingMessage & { [IDLE_LIMIT]?: number };

export interface RequestTimeLimits {
  /** The whole request, body included, must arrive within this (slow-body attacks). */
  requestTimeoutMs: number;
  /** The import may take as long as its lines keep coming, but no longer than this without a byte. */
  importIdleTimeoutMs: number;
}

/**
 * Node's own whole-request timeout (`server.requestTimeout`) holds for every request of a server and
 * cannot spare one route; the platform's import (POST /integration/import, up to 1 GB) must be read
 * for as long as its lines keep arriving. So Node's is turned off and this stands in for it:
 * - every other request must have arrived whole within `requestTimeoutMs` of its headers, else the
 *   client gets the 408 Node would have sent (in the service's error shape) and the connection is
 *   closed. This covers what no Fastify hook sees too (socket.io's polling requests);
 * - the import is cut the same way once no byte has arrived for `importIdleTimeoutMs` (the socket's
 *   inactivity timer, which every byte read restarts). What it applied before stays applied.
 * The headers' own timeout (`server.headersTimeout`) stays Node's.
 */
export function limitRequestTimes(server: Server, limits: RequestTimeLimits): void {
  server.requestTimeout = 0;
  // Once listening, so that it runs first of all: socket.io wraps the request listeners it finds
  // when it attaches (at the app's init, just before listen) and would hide its own requests from one added earlier.
  server.once('listening', () => server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'POST' && (request.url === IMPORT_PATH || request.url?.startsWith(`${IMPORT_PATH}?`))) {
      (request as WithIdleLimit)[IDLE_LIMIT] = limits.importIdleTimeoutMs;
      request.setTimeout(limits.importIdleTimeoutMs, () => cut(request, response));
      return;
    }
    const timer = setTimeout(() => cut(request, response), limits.requestTimeoutMs);
    timer.unref();
    // Removed with the timer: a keep-alive connection serves many requests and must not gather listeners.
    const stop = () => {
      clearTimeout(timer);
      request.socket.off('close', stop);
    };
    request.socket.once('close', stop);
    // The answer gone and the body read: nothing left to wait for. A body still arriving after an
    // early answer (Node reads and drops it) stays bounded by the timer.
    response.once('close', () => {
      if (request.complete) stop();
    });
  }));
}

function cut(request: IncomingMessage, response: ServerResponse): void {
  if (request.complete || request.socket.destroyed) return;
  if (response.headersSent) {
    request.socket.destroy();
    return;
  }
  answerClientError(Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), request.socket);
}

/**
 * Runs `work` (the import writing a batch) with the import's idle timer stopped: it measures how long
 * the client leaves the service waiting for bytes, not how long the service makes the client wait
 * (while it writes, it reads nothing, so nothing arrives however eager the client is). Started again,
 * from zero, once the work is done.
 */
export async function whileBusy<T>(request: IncomingMessage, work: () => Promise<T>): Promise<T> {
  const limit = (request as WithIdleLimit)[IDLE_LIMIT];
  if (limit === undefined) return work();
  request.socket.setTimeout(0);
  try {
    return await work();
  } finally {
    if (!request.socket.destroyed) request.socket.setTimeout(limit);
  }
}
