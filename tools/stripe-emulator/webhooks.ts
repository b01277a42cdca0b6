import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { nowSeconds } from './ids';
import { StripeEventObject, WebhookDelivery } from './objects';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

export interface WebhookDispatcherOptions {
  secret: string;
  retry: RetryPolicy;
  url?: string;
  timeoutMs?: number;
}

export class NoWebhookUrlError extends Error {
  constructor() {
    super('No webhook URL is set: pass webhookUrl to StripeEmulator.start or call setWebhookUrl first.');
    this.name = 'NoWebhookUrlError';
  }
}

/** The `Stripe-Signature` header value Stripe would send: t=<unix>,v1=<HMAC-SHA256 of "t.payload">. */
export function signPayload(payload: string, secret: string, timestamp = nowSeconds()): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

interface Delivery {
  target: URL;
  event: StripeEventObject;
  payload: string;
}

/**
 * POSTs signed events to the webhook URL. The first attempt is awaited by the caller; failed attempts
 * are retried in the background with exponential backoff, each freshly signed as Stripe does.
 */
export class WebhookDispatcher {
  private url: URL | undefined;
  private readonly records: WebhookDelivery[] = [];
  private readonly retryTimers = new Map<NodeJS.Timeout, () => void>();
  private readonly requests = new Set<http.ClientRequest>();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.setUrl(options.url);
  }

  setUrl(url: string | undefined): void {
    this.url = url === undefined || url === '' ? undefined : new URL(url);
  }

  sign(payload: string, timestamp?: number): string {
    return signPayload(payload, this.options.secret, timestamp);
  }

  requireUrl(): URL {
    if (this.url === undefined) throw new NoWebhookUrlError();
    return this.url;
  }

  /** Delivers events in order when a URL is set; without one they are only recorded, and this answers []. */
  async publish(events: readonly StripeEventObject[]): Promise<WebhookDelivery[]> {
    const target = this.url;
    if (target === undefined) return [];
    const deliveries: WebhookDelivery[] = [];
    for (const event of events) deliveries.push(await this.deliverTo(target, event));
    return deliveries;
  }

  deliver(event: StripeEventObject): Promise<WebhookDelivery> {
    return this.deliverTo(this.requireUrl(), event);
  }

  deliveries(): WebhookDelivery[] {
    return this.records.map((record) => ({ ...record }));
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const [timer, abandon] of this.retryTimers) {
      clearTimeout(timer);
      abandon();
    }
    this.retryTimers.clear();
    for (const request of this.requests) request.destroy(new Error('emulator stopped'));
    await this.idle();
  }

  private deliverTo(target: URL, event: StripeEventObject): Promise<WebhookDelivery> {
    if (this.stopped) return Promise.reject(new Error('The Stripe emulator is stopped.'));
    const delivery: Delivery = { target, event, payload: JSON.stringify(event, null, 2) };
    this.pending += 1;
    const first = this.attempt(delivery, 1);
    void first.then((record) => this.afterAttempt(delivery, record));
    return first;
  }

  private afterAttempt(delivery: Delivery, record: WebhookDelivery): void {
    if (isSuccess(record) || record.attempt >= this.options.retry.attempts || this.stopped) {
      this.settle();
      return;
    }
    const delay = this.options.retry.baseDelayMs * 2 ** (record.attempt - 1);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.attempt(delivery, record.attempt + 1).then((next) => this.afterAttempt(delivery, next));
    }, delay);
    // A pending retry alone must not keep a process alive that has nothing else to do.
    timer.unref();
    this.retryTimers.set(timer, () => this.settle());
  }

  private async attempt(delivery: Delivery, attempt: number): Promise<WebhookDelivery> {
    const at = Date.now();
    const base = { eventId: delivery.event.id, type: delivery.event.type, attempt, at };
    let record: WebhookDelivery;
    try {
      record = { ...base, status: await this.post(delivery) };
    } catch (error) {
      record = { ...base, error: error instanceof Error ? error.message : String(error) };
    }
    this.records.push(record);
    return { ...record };
  }

  private post({ target, payload }: Delivery): Promise<number> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        target,
        {
          method: 'POST',
          // No keep-alive: a pooled socket would hold the receiver's server open after a test closes it.
          agent: false,
          timeout: timeoutMs,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'Stripe-Signature': this.sign(payload),
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'Cache-Control': 'no-cache',
            Accept: '*/*; q=0.5, application/xml',
          },
        },
        (response) => {
          response.resume();
          response.on('close', () => resolve(response.statusCode ?? 0));
        },
      );
      this.requests.add(request);
      request.on('close', () => this.requests.delete(request));
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(payload);
    });
  }

  private settle(): void {
    this.pending -= 1;
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function isSuccess(record: WebhookDelivery): boolean {
  return record.status !== undefined && record.status >= 200 && record.status < 300;
}
