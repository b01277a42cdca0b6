import { AddressInfo, createServer, Server, Socket } from 'node:net';

export type ProxyMode = 'forward' | 'drop' | 'stall';

/**
 * A TCP proxy in front of a real server (Redis, PostgreSQL), to cut it as a network outage would:
 * - `forward`: bytes go both ways;
 * - `drop`: every open connection is reset and new ones are accepted and reset at once (the server
 *   has gone: clients see ECONNRESET and reconnect in a loop);
 * - `stall`: connections stay open but nothing is forwarded any more (a black hole: clients wait
 *   for answers that never come, until their own timeouts).
 * `forward` again accepts and forwards new connections; the ones dropped stay dropped.
 */
export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The proxy's address in the form of `url` (e.g. `redis://…`), host and port replaced. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** Resets every connection, and every new one until `forward()`. */
  drop(): void {
    this.mode = 'drop';
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Keeps connections open but forwards nothing, in either direction, until `forward()`. */
  stall(): void {
    this.mode = 'stall';
    for (const [client, upstream] of this.pairs) hold(client, upstream);
  }

  forward(): void {
    const stalled = this.mode === 'stall';
    this.mode = 'forward';
    if (stalled) for (const [client, upstream] of this.pairs) join(client, upstream);
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'drop') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.connect(this.target.port, this.target.host, () => {
      if (this.mode === 'forward') join(client, upstream);
    });
  }
}

function join(client: Socket, upstream: Socket): void {
  client.pipe(upstream);
  upstream.pipe(client);
}

function hold(client: Socket, upstream: Socket): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.pause();
  upstream.pause();
}
