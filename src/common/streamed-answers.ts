import { Stream } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/**
 * How many listeners a streamed answer's response may hold before Node warns. A streamed answer (a
 * CSV export, a statement, a payout file) is still being written while each of Nest's layers awaits
 * the reply, a thenable: Fastify adds a 'close' listener to the response for each one, a dozen in
 * all. Node's default threshold of 10 would report that as a leak, though the listeners go when the
 * answer ends. A real leak, one more listener per chunk, still passes this bound and is reported.
 */
export const STREAMED_ANSWER_MAX_LISTENERS = 32;

/** Raises the warning threshold of the responses whose payload is a stream, before Nest's layers wait on them. */
export function allowStreamedAnswers(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (payload instanceof Stream) reply.raw.setMaxListeners(STREAMED_ANSWER_MAX_LISTENERS);
    done(null, payload);
  });
}
