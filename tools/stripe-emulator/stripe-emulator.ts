import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { StripeEngine } from './engine';
import { EmulatorHttpApp } from './http-app';
import { CheckoutSessionObject, StripeEventObject, WebhookDelivery } from './objects';
import { WebhookDispatcher } from './webhooks';

export interface StripeEmulatorOptions {
  /** 0 or undefined: a random free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Where events are POSTed; may be set later with setWebhookUrl. */
  webhookUrl?: string;
  /** The endpoint's signing secret, 'whsec_...'. */
  webhookSecret: string;
  /** Base of the hosted checkout page links; default `http://${host}:${port}`. */
  publicUrl?: string;
  /** Default 5 attempts, 200 ms base delay, doubling after each failed attempt. */
  retry?: { attempts?: number; baseDelayMs?: number };
}

/** How often sessions whose expires_at has passed are expired, as Stripe does on its own. */
const EXPIRY_SWEEP_MS = 1000;

/**
 * A Stripe-compatible HTTP server for the subset of the API this service uses, so the real `stripe`
 * SDK can talk to it offline, plus controls that play the customer's and the bank's part.
 */
export class StripeEmulator {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  private readonly engine: StripeEngine;
  private readonly webhooks: WebhookDispatcher;
  private readonly expirySweep: NodeJS.Timeout;
  private stopping: Promise<void> | undefined;

  static async start(options: StripeEmulatorOptions): Promise<StripeEmulator> {
    validateOptions(options);
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new StripeEmulator(server, host, options);
  }

  private constructor(
    private readonly server: Server,
    host: string,
    options: StripeEmulatorOptions,
  ) {
    this.host = host;
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://${urlHost(host)}:${this.port}`;
    const publicUrl = (options.publicUrl ?? this.url).replace(/\/+$/, '');
    this.engine = new StripeEngine({ checkoutUrl: (id) => `${publicUrl}/c/pay/${id}` });
    this.webhooks = new WebhookDispatcher({
      secret: options.webhookSecret,
      url: options.webhookUrl,
      retry: { attempts: options.retry?.attempts ?? 5, baseDelayMs: options.retry?.baseDelayMs ?? 200 },
    });
    server.on('request', new EmulatorHttpApp(this.engine, this.webhooks).handle);
    this.expirySweep = setInterval(() => {
      this.webhooks.publish(this.engine.expireDueSessions()).catch(() => undefined);
    }, EXPIRY_SWEEP_MS);
    this.expirySweep.unref();
  }

  setWebhookUrl(url: string): void {
    this.webhooks.setUrl(url);
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  paySession(id: string, opts: { async?: boolean } = {}): Promise<WebhookDelivery[]> {
    return this.publish(() => this.engine.paySession(id, { async: opts.async ?? false }));
  }

  succeedAsyncPayment(id: string): Promise<WebhookDelivery[]> {
    return this.publish(() => this.engine.succeedAsyncPayment(id));
  }

  failAsyncPayment(id: string): Promise<WebhookDelivery[]> {
    return this.publish(() => this.engine.failAsyncPayment(id));
  }

  expireSession(id: string): Promise<WebhookDelivery[]> {
    return this.publish(() => this.engine.expireSession(id));
  }

  /** Accepts a PaymentIntent id (pi_...) or a Charge id (ch_...); amount defaults to what remains. */
  refund(paymentIntentOrChargeId: string, amount?: number): Promise<WebhookDelivery[]> {
    const target = paymentIntentOrChargeId.startsWith('pi_') ? { paymentIntent: paymentIntentOrChargeId } : { charge: paymentIntentOrChargeId };
    return this.publish(() => this.engine.refund({ ...target, amount }).events);
  }

  /** Accepts a Charge id or a PaymentIntent id; the new dispute is the data.object of the resulting event. */
  createDispute(chargeId: string): Promise<WebhookDelivery[]> {
    return this.publish(() => this.engine.createDispute(chargeId).events);
  }

  /** The card's bank reports a charge (or PaymentIntent) as likely fraud: `radar.early_fraud_warning.created`. */
  earlyFraudWarning(chargeId: string): Promise<WebhookDelivery[]> {
    return this.publish(() => this.engine.createEarlyFraudWarning(chargeId).events);
  }

  closeDispute(disputeId: string, status: 'won' | 'lost'): Promise<WebhookDelivery[]> {
    return this.publish(() => this.engine.closeDispute(disputeId, status).events);
  }

  /** Rejects when no webhook URL is set: there is nowhere to redeliver to. */
  async redeliver(eventId: string): Promise<WebhookDelivery> {
    return this.webhooks.deliver(this.engine.event(eventId));
  }

  /** Rejects when no webhook URL is set, without recording the event. */
  async sendEvent(type: string, object: Record<string, unknown>): Promise<WebhookDelivery> {
    this.webhooks.requireUrl();
    return this.webhooks.deliver(this.engine.recordEvent(type, object));
  }

  signPayload(payload: string, timestamp?: number): string {
    return this.webhooks.sign(payload, timestamp);
  }

  events(): StripeEventObject[] {
    return structuredClone([...this.engine.events()]);
  }

  deliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  idle(): Promise<void> {
    return this.webhooks.idle();
  }

  getSession(id: string): CheckoutSessionObject | undefined {
    const session = this.engine.findSession(id);
    return session === undefined ? undefined : structuredClone(session);
  }

  /** Runs the transition synchronously, so a refused one rejects before anything is sent. */
  private async publish(transition: () => StripeEventObject[]): Promise<WebhookDelivery[]> {
    return this.webhooks.publish(transition());
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.expirySweep);
    await this.webhooks.stop();
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive sockets of SDK clients would otherwise hold close() open until they time out.
      this.server.closeAllConnections();
    });
  }
}

function validateOptions(options: StripeEmulatorOptions): void {
  if (typeof options.webhookSecret !== 'string' || options.webhookSecret === '') {
    throw new TypeError('StripeEmulator: webhookSecret is required (the whsec_... the service verifies signatures with).');
  }
  const attempts = options.retry?.attempts;
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1)) {
    throw new TypeError('StripeEmulator: retry.attempts must be an integer of at least 1.');
  }
  const baseDelayMs = options.retry?.baseDelayMs;
  if (baseDelayMs !== undefined && !(Number.isFinite(baseDelayMs) && baseDelayMs >= 0)) {
    throw new TypeError('StripeEmulator: retry.baseDelayMs must be a non-negative number.');
  }
  if (options.webhookUrl !== undefined && !URL.canParse(options.webhookUrl)) {
    throw new TypeError(`StripeEmulator: webhookUrl is not a URL: ${options.webhookUrl}`);
  }
}

/** The address clients should use: a wildcard bind is reached via loopback, IPv6 needs brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
