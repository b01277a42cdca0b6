import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { Env } from '../config/env.schema';
import { DELIVERY_TIMEOUT_MS } from './retry-schedule';
import type { TryResult } from './platform-events.repository';

/** The headers of one try: Standard Webhooks 1.0, signed by the reference library. */
export function signedHeaders(signer: Webhook, webhookId: string, at: Date, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'profile-points-webhooks/1.0',
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer.sign(webhookId, at, body),
  };
}

/**
 * POSTs one try of an event to PLATFORM_WEBHOOK_URL, signed afresh for the time of the try. A 2xx
 * answer within DELIVERY_TIMEOUT_MS is a delivery; anything else (another status, a redirect, no
 * answer in time, no connection) is a failed try, told apart in its outcome. Never throws.
 */
@Injectable()
export class WebhookSender {
  private readonly url?: string;
  private readonly signer?: Webhook;

  constructor(env: Env) {
    this.url = env.PLATFORM_WEBHOOK_URL;
    if (env.PLATFORM_WEBHOOK_URL && env.PLATFORM_WEBHOOK_SECRET) this.signer = new Webhook(env.PLATFORM_WEBHOOK_SECRET);
  }

  get enabled(): boolean {
    return this.signer !== undefined;
  }

  async send(webhookId: string, body: string, at: Date): Promise<Omit<TryResult, 'manual'>> {
    if (!this.url || !this.signer) throw new Error('PLATFORM_WEBHOOK_URL is not set');
    const started = performance.now();
    const elapsed = () => Math.max(0, Math.round(performance.now() - started));
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: signedHeaders(this.signer, webhookId, at, body),
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      // The answer's body is not needed: let the connection go back to the pool.
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      return {
        outcome: ok ? 'delivered' : 'rejected',
        attemptedAt: at,
        durationMs: elapsed(),
        statusCode: response.status,
        error: ok ? null : `answered ${response.status}`,
      };
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      return {
        outcome: timedOut ? 'timeout' : 'error',
        attemptedAt: at,
        durationMs: elapsed(),
        statusCode: null,
        error: timedOut ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s` : describe(error),
      };
    }
  }
}

/** fetch's "fetch failed" with its cause's code and message (ECONNREFUSED, ENOTFOUND, a TLS error). */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = (error as Error).message ?? String(error);
  if (!cause) return message;
  return [message, cause.code, cause.message].filter((part) => part !== undefined && part !== '').join(': ');
}
