import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiErrorResponse } from './error-response.dto';

/** What Node's HTTP parser reports for a request it cannot read, by the error's code. */
const REFUSALS: Record<string, { status: number; error: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, error: 'HEADERS_TOO_LARGE', message: 'The request headers are larger than this service accepts (16 KB)' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, error: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time' },
};
const UNREADABLE = { status: 400, error: 'BAD_REQUEST', message: 'The request is not valid HTTP' };

/**
 * Fastify's `clientErrorHandler`: the answer to a request Node could not parse or that did not arrive
 * in time (headers over 16 KB, the 10 s header and 30 s request timeouts, broken HTTP). No route,
 * filter or hook sees it, so it is written here on the socket, in the service's error shape (Fastify's
 * own has `statusCode` and no correlation id) with the headers every answer carries.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = REFUSALS[error.code ?? ''] ?? UNREADABLE;
  const correlationId = randomUUID();
  const body = JSON.stringify({ ...refusal, correlationId } satisfies ApiErrorResponse);
  // Written, then closed both ways, as Fastify's own handler does: Node keeps a half-open socket
  // (allowHalfOpen) of a client that never closes its side, and no timeout would ever free it.
  socket.write(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'X-Content-Type-Options: nosniff\r\n' +
      `X-Request-Id: ${correlationId}\r\n` +
      '\r\n' +
      body,
  );
  socket.destroy();
}
