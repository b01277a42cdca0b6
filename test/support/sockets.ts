import { io, Socket } from 'socket.io-client';

export interface Received {
  event: string;
  payload: Record<string, unknown>;
  at: number;
}

export interface SocketRefusal {
  message: string;
  data: { status: number; error: string; message: string } | undefined;
}

/**
 * A client of the /notifications namespace that records every event from the first packet on
 * (listeners are attached before it connects, so a replay is never missed). Websocket transport
 * only, no automatic reconnection: each test decides when to connect.
 */
export class NotificationsClient {
  readonly received: Received[] = [];
  readonly socket: Socket;
  private waiters: Array<() => void> = [];

  constructor(baseUrl: string, auth: Record<string, unknown>, extraHeaders?: Record<string, string>) {
    this.socket = io(`${baseUrl}/notifications`, {
      auth,
      extraHeaders,
      transports: ['websocket'],
      reconnection: false,
      autoConnect: false,
      forceNew: true,
    });
    this.socket.onAny((event: string, payload: Record<string, unknown>) => {
      this.received.push({ event, payload, at: Date.now() });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Connects; rejects with the refusal when the server refuses the handshake. */
  static async connect(baseUrl: string, auth: Record<string, unknown>, extraHeaders?: Record<string, string>): Promise<NotificationsClient> {
    const client = new NotificationsClient(baseUrl, auth, extraHeaders);
    await client.open();
    return client;
  }

  /** Resolves with the server's refusal; fails if the handshake is accepted. */
  static async refusal(baseUrl: string, auth: Record<string, unknown>, extraHeaders?: Record<string, string>): Promise<SocketRefusal> {
    const client = new NotificationsClient(baseUrl, auth, extraHeaders);
    try {
      await client.open();
    } catch (error) {
      const refusal = error as Error & { data?: SocketRefusal['data'] };
      return { message: refusal.message, data: refusal.data };
    } finally {
      client.close();
    }
    throw new Error('the handshake was accepted');
  }

  open(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.once('connect_error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      this.socket.connect();
    });
  }

  events(name?: string): Received[] {
    return name ? this.received.filter((entry) => entry.event === name) : [...this.received];
  }

  /** Waits until `count` events (of `name`, if given) were received; fails after `timeoutMs`. */
  async waitFor(count: number, options: { event?: string; timeoutMs?: number } = {}): Promise<Received[]> {
    const timeoutMs = options.timeoutMs ?? 2000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = this.events(options.event);
      if (events.length >= count) return events;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${count} ${options.event ?? 'events'} within ${timeoutMs} ms, got ${JSON.stringify(events)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves when the server closes the socket; fails after `timeoutMs`. */
  disconnected(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.socket.disconnected) return resolve('already disconnected');
      const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
      this.socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** The notification ids of events, in order of receipt. */
export const ids = (events: Received[]) => events.map((entry) => entry.payload.id as string);

/**
 * Sockets a suite opens as its users, closed together by closeAll() (in its afterEach or afterAll).
 * connect() opens one as `user` (their token) to the /notifications namespace of `app` (a TestApp or
 * a child process); with `lastNotificationId` the server first replays what came after that one.
 */
export function userSockets() {
  const open: NotificationsClient[] = [];
  return {
    async connect(app: { url: string }, user: { token: string }, lastNotificationId?: string): Promise<NotificationsClient> {
      const socket = await NotificationsClient.connect(app.url, { token: user.token, ...(lastNotificationId && { lastNotificationId }) });
      open.push(socket);
      return socket;
    },
    closeAll(): void {
      for (const socket of open.splice(0)) socket.close();
    },
  };
}
