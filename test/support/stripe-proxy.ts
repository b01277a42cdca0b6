import { createServer, IncomingMessage, request as forward, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A counting proxy in front of the Stripe emulator: the service's real Stripe SDK talks to it
 * (STRIPE_API_BASE_URL), it forwards every call and counts them by method and path, and it can
 * answer Stripe's 429 rate_limit_error instead, as Stripe does when the account's limit is hit.
 */
export class StripeProxy {
  private readonly counts = new Map<string, number>();
  private rateLimitedFor = 0;
  private hanging?: { prefix: string; forward: (idempotencyKey: string | undefined) => boolean };
  private watching?: { prefix: string; arrived: () => void };
  private inFlight = 0;
  /** The most calls that were in flight at once since the last reset. */
  maxInFlight = 0;

  /** Where calls go: set it once the emulator runs (the service is started with the proxy's url first). */
  target?: string;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<StripeProxy> {
    const handlers: Array<(incoming: IncomingMessage, outgoing: ServerResponse) => void> = [];
    const server = createServer((incoming, outgoing) => handlers[0](incoming, outgoing));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new StripeProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    handlers.push((incoming, outgoing) => proxy.handle(incoming, outgoing));
    return proxy;
  }

  /** Calls seen for `METHOD /path/prefix` (ids included in the path: pass a prefix). */
  calls(method: string, pathPrefix: string): number {
    let total = 0;
    for (const [key, count] of this.counts) if (key.startsWith(`${method} ${pathPrefix}`)) total += count;
    return total;
  }

  /** Answers the next `count` calls with 429, forwarding none of them. */
  rateLimitNext(count: number): void {
    this.rateLimitedFor = count;
  }

  /**
   * Calls to `METHOD /path/prefix` get no answer until `answerAgain()`: Stripe hanging. A call that
   * `forward` accepts (by its Idempotency-Key) reaches the emulator first: Stripe did the work and
   * its answer was lost on the way back; the others never reach it.
   */
  hang(pathPrefix: string, forward: (idempotencyKey: string | undefined) => boolean): void {
    this.hanging = { prefix: pathPrefix, forward };
  }

  answerAgain(): void {
    this.hanging = undefined;
  }

  /** Runs `arrived` when the next call to `METHOD /path/prefix` comes in, before forwarding it as usual. */
  onNext(pathPrefix: string, arrived: () => void): void {
    this.watching = { prefix: pathPrefix, arrived };
  }

  reset(): void {
    this.counts.clear();
    this.rateLimitedFor = 0;
    this.hanging = undefined;
    this.watching = undefined;
    this.maxInFlight = 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(incoming: IncomingMessage, outgoing: ServerResponse): void {
    if (!this.target) throw new Error('StripeProxy: no target set');
    const target = new URL(this.target);
    const key = `${incoming.method} ${(incoming.url ?? '').split('?')[0]}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.rateLimitedFor > 0) {
      this.rateLimitedFor -= 1;
      incoming.resume();
      outgoing.writeHead(429, { 'Content-Type': 'application/json' });
      outgoing.end(JSON.stringify({ error: { type: 'rate_limit_error', message: 'Request rate limit exceeded (emulated).' } }));
      return;
    }
    if (this.watching && key.startsWith(this.watching.prefix)) {
      const { arrived } = this.watching;
      this.watching = undefined;
      arrived();
    }
    if (this.hanging && key.startsWith(this.hanging.prefix)) {
      const idempotencyKey = incoming.headers['idempotency-key'];
      if (!this.hanging.forward(Array.isArray(idempotencyKey) ? idempotencyKey[0] : idempotencyKey)) {
        incoming.resume();
        return;
      }
      const upstream = forward({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) =>
        answer.resume(),
      );
      upstream.on('error', () => undefined);
      incoming.pipe(upstream);
      return;
    }
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    outgoing.on('close', () => (this.inFlight -= 1));
    const upstream = forward(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  }
}
