import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Short and plain: letters, digits and . _ : - only. Anything else is replaced, never echoed. */
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,64}$/;

type WithRequestId = IncomingMessage & { correlationId?: string };

/**
 * The request's correlation id: the caller's `X-Request-Id` when it is short and plain (a load
 * balancer's or a frontend's trace id), else a new UUID. Computed once per request; the same id is
 * in the response header, the error body and every log line of the request.
 */
export function requestIdOf(request: IncomingMessage): string {
  const req = request as WithRequestId;
  if (req.correlationId === undefined) {
    const given = req.headers[REQUEST_ID_HEADER];
    req.correlationId = typeof given === 'string' && PLAIN_ID.test(given) ? given : randomUUID();
  }
  return req.correlationId;
}

/**
 * The Node request under a framework's request: Fastify's `request.raw`. What must outlive the
 * handler (the request's log line reads it once the answer has left) is kept there.
 */
export function nodeRequestOf<T extends object = IncomingMessage>(request: { raw?: T } | T): T {
  return ((request as { raw?: T }).raw ?? request) as T;
}

/** Fixes the id as soon as a request arrives, before anything else runs, and returns it on every answer. */
export function echoRequestIds(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    // On the Node response: answers written outside Fastify's reply (middleware, socket.io) carry it too.
    reply.raw.setHeader(REQUEST_ID_HEADER, requestIdOf(request.raw));
    done();
  });
}
