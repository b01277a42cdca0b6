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

  reset(): void {
    this.counts.clear();
    this.rateLimitedFor = 0;
    this.maxInFlight = 0;
  }

  stop(): Promise<void> {
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
