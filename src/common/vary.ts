import type { FastifyInstance } from 'fastify';

/**
 * Keeps a `Vary` set on the Node response before Fastify answered (by middleware, such as the
 * reference client's on the paths it shares with the API) when a Fastify plugin sets its own (CORS's
 * `Vary: Origin`): Fastify's headers would otherwise replace it, and a browser could show a cached
 * JSON answer for a page navigation.
 */
export function keepEarlyVary(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const early = reply.raw.getHeader('vary');
    const late = reply.getHeader('vary');
    if (early !== undefined && late !== undefined) reply.header('vary', mergeVary(String(early), String(late)));
    done(null, payload);
  });
}

/** The union of two `Vary` values, each field once, in order of appearance. */
export function mergeVary(first: string, second: string): string {
  const fields = new Map<string, string>();
  for (const field of `${first},${second}`.split(',')) {
    const name = field.trim();
    if (name !== '' && !fields.has(name.toLowerCase())) fields.set(name.toLowerCase(), name);
  }
  return [...fields.values()].join(', ');
}
