import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * An HTTP load balancer in front of several instances, behaving as nginx does by default: round
 * robin; an upstream that refuses the connection is marked down and the request goes to the next
 * one (`proxy_next_upstream error`: nothing was sent yet, so even a POST may be tried elsewhere);
 * an upstream that dies after the request was sent gets no second try (a POST is not idempotent)
 * and the caller gets a 502, which Stripe answers by delivering the event again later.
 */
export class Balancer {
  private next = 0;
  private readonly down = new Set<string>();
  /** Requests answered by each upstream, by its URL. */
  readonly answered = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    private readonly upstreams: readonly string[],
  ) {}

  static async start(upstreams: readonly string[]): Promise<Balancer> {
    const server = createServer();
    const balancer = new Balancer(server, upstreams);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void balancer.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Upstreams not marked down. */
  live(): string[] {
    return this.upstreams.filter((upstream) => !this.down.has(upstream));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    for (let tries = 0; tries < this.upstreams.length; tries++) {
      const candidates = this.live();
      if (candidates.length === 0) break;
      const upstream = candidates[this.next++ % candidates.length];
      const outcome = await this.forward(upstream, req, body, res);
      if (outcome === 'answered') {
        this.answered.set(upstream, (this.answered.get(upstream) ?? 0) + 1);
        return;
      }
      if (outcome === 'lost') break;
      this.down.add(upstream);
    }
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
    res.end('{"error":"BAD_GATEWAY"}');
  }

  /** 'refused': nothing reached the upstream; 'lost': it went away after the request was sent. */
  private forward(upstream: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<'answered' | 'refused' | 'lost'> {
    return new Promise((resolve) => {
      let connected = false;
      const headers = { ...req.headers, 'content-length': String(body.length), connection: 'close' };
      const outgoing = request(new URL(req.url ?? '/', upstream), { method: req.method, headers, agent: false }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('error', () => resolve('lost'));
        answer.on('end', () => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(parts));
          resolve('answered');
        });
      });
      outgoing.on('socket', (socket) => socket.once('connect', () => (connected = true)));
      outgoing.on('error', () => resolve(connected ? 'lost' : 'refused'));
      outgoing.end(body);
    });
  }
}
