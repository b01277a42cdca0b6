import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, and what the reference library said of it at the receiver's time. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The receiver's time when it checked the request. */
  receivedAt: Date;
  /** The parsed body when `Webhook.verify` accepted the request; undefined when it refused it. */
  verified?: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Why `Webhook.verify` refused the request. */
  refusal?: string;
  /** The status the receiver answered. */
  answered: number;
}

/**
 * `Webhook.verify` at the time `at`: the library reads the time with Date.now() and allows 5 minutes
 * either way, so a test that moves time forward checks what a receiver living at that time would
 * accept. Date.now is replaced only for this synchronous call.
 */
export function verifyAt(signer: Webhook, at: Date, body: string, headers: Record<string, string>): ReceivedWebhook['verified'] {
  const realNow = Date.now;
  Date.now = () => at.getTime();
  try {
    return signer.verify(body, headers) as ReceivedWebhook['verified'];
  } finally {
    Date.now = realNow;
  }
}

/**
 * A platform's webhook endpoint, as a real HTTP server: it verifies every request with the
 * Standard Webhooks reference library (at the time `clock()` gives), answers 204 to what it accepts,
 * 400 to what it refuses, or `answer` when set (e.g. 503 while the platform is "down but
 * listening"), and keeps everything it received. `stop()` closes the port (connections refused),
 * `start()` opens the same port again.
 */
export class PlatformReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Forces this status (after verification), e.g. 503; undefined: 204 if verified, else 400. */
  answer?: number;
  /** Milliseconds to wait before answering. */
  delayMs = 0;
  /** While set, answers wait until it resolves (see hold()). */
  private gate?: Promise<void>;
  private server?: Server;
  private port = 0;
  private readonly signer: Webhook;

  constructor(
    secret: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.signer = new Webhook(secret);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/platform/webhooks`;
  }

  /** Listens (on the port it had before, if any); does nothing while it listens already. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const receivedAt = this.clock();
        const headers = Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, String(value)]));
        const entry: ReceivedWebhook = { headers: request.headers, body, receivedAt, answered: 0 };
        try {
          entry.verified = verifyAt(this.signer, receivedAt, body, headers);
        } catch (error) {
          entry.refusal = (error as Error).message;
        }
        entry.answered = this.answer ?? (entry.verified ? 204 : 400);
        this.received.push(entry);
        const answer = () => setTimeout(() => response.writeHead(entry.answered).end(), this.delayMs);
        if (this.gate) void this.gate.then(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Holds every answer (the platform hangs) until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /** Requests carrying `webhookId`, in the order received. */
  of(webhookId: string): ReceivedWebhook[] {
    return this.received.filter((entry) => entry.headers['webhook-id'] === webhookId);
  }
}
