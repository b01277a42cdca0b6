import { StripeApiError } from './errors';
import { JsonReply } from './router';

interface Entry {
  fingerprint: string;
  reply?: { status: number; body: unknown };
}

/**
 * Stripe's idempotency semantics: a key replays the first successful answer to the same request,
 * refuses a different request, and keeps nothing when the request failed, so the client can retry.
 */
export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  async run(scope: string, key: string, fingerprint: string, execute: () => Promise<JsonReply>): Promise<JsonReply> {
    const id = `${scope}\n${key}`;
    const existing = this.entries.get(id);
    if (existing !== undefined) return replay(existing, key, fingerprint);
    const entry: Entry = { fingerprint };
    this.entries.set(id, entry);
    try {
      const reply = await execute();
      if (reply.status >= 200 && reply.status < 300) {
        entry.reply = { status: reply.status, body: structuredClone(reply.body) };
      } else {
        this.entries.delete(id);
      }
      return reply;
    } catch (error) {
      this.entries.delete(id);
      throw error;
    }
  }
}

function replay(entry: Entry, key: string, fingerprint: string): JsonReply {
  if (entry.fingerprint !== fingerprint) {
    throw new StripeApiError(
      400,
      'idempotency_error',
      `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    );
  }
  if (entry.reply === undefined) {
    throw new StripeApiError(
      409,
      'idempotency_error',
      `There is currently another in-progress request using this Idempotent Key: ${key}. Please try again later.`,
      'idempotency_key_in_use',
    );
  }
  return { kind: 'json', status: entry.reply.status, body: structuredClone(entry.reply.body), headers: { 'Idempotent-Replayed': 'true' } };
}
