import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionBudgetLimits {
  /** Open connections of the instance (keep-alive HTTP, websockets, requests in flight). */
  maxConnections: number;
  /** Open connections per client address; 0: no bound (behind a proxy every connection comes from it). */
  maxPerAddress: number;
}

interface Tracked {
  address: string;
  /** Requests in flight on it; an upgraded connection (a websocket) counts as one for ever. */
  busy: number;
}

/**
 * Who may hold the instance's connections. Node's own `maxConnections` refuses every new connection
 * once the server is full, however many of the open ones are idle keep-alive connections that a
 * client keeps for later: 8,600 such connections from one address locked everyone else out. Here:
 * - a new connection from an address at its bound first closes that address's oldest idle
 *   connection; if none is idle (all of them have a request in flight or are websockets), the new
 *   one is refused (reset) — one address never holds more than `maxPerAddress`;
 * - a new connection to a full instance closes the instance's oldest idle connection; if none is
 *   idle, it is refused.
 * An idle connection is one with no request in flight: closing it loses nothing (a client opens
 * another when it next needs one; browsers and HTTP libraries retry an idle connection that closed).
 */
export class ConnectionBudget {
  private readonly tracked = new Map<Socket, Tracked>();
  private readonly byAddress = new Map<string, Set<Socket>>();
  /** Idle connections, oldest idle first (a connection that becomes idle moves to the end). */
  private readonly idle = new Set<Socket>();
  private refusedCount = 0;
  private closedIdleCount = 0;

  constructor(private readonly limits: ConnectionBudgetLimits) {}

  /** Starts admitting the server's connections; call before it listens. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.track(request.socket, response));
    server.on('upgrade', (request: IncomingMessage) => this.upgraded(request.socket));
  }

  get open(): number {
    return this.tracked.size;
  }

  /** Connections refused, and idle ones closed to make room, since the start. */
  get counts(): { refused: number; closedIdle: number } {
    return { refused: this.refusedCount, closedIdle: this.closedIdleCount };
  }

  private admit(socket: Socket): void {
    const address = normalise(socket.remoteAddress ?? '');
    const fromAddress = this.byAddress.get(address);
    if (this.limits.maxPerAddress > 0 && (fromAddress?.size ?? 0) >= this.limits.maxPerAddress && !this.closeOldestIdle(fromAddress!)) {
      this.refuse(socket);
      return;
    }
    if (this.tracked.size >= this.limits.maxConnections && !this.closeOldestIdle(this.idle)) {
      this.refuse(socket);
      return;
    }
    this.tracked.set(socket, { address, busy: 0 });
    const sockets = fromAddress ?? new Set<Socket>();
    sockets.add(socket);
    this.byAddress.set(address, sockets);
    this.idle.add(socket);
    socket.once('close', () => this.forget(socket));
  }

  private track(socket: Socket, response: ServerResponse): void {
    const entry = this.tracked.get(socket);
    if (!entry) return;
    entry.busy += 1;
    this.idle.delete(socket);
    response.once('close', () => {
      entry.busy -= 1;
      if (entry.busy === 0 && this.tracked.has(socket) && !socket.destroyed) this.idle.add(socket);
    });
  }

  private upgraded(socket: Socket): void {
    const entry = this.tracked.get(socket);
    if (!entry) return;
    // A websocket is in use as long as it is open; its HTTP request's 'close' never makes it idle.
    entry.busy = Number.POSITIVE_INFINITY;
    this.idle.delete(socket);
  }

  /** Closes the oldest idle connection among `candidates`; false when none is idle. */
  private closeOldestIdle(candidates: Iterable<Socket>): boolean {
    for (const socket of candidates) {
      if (!this.idle.has(socket)) continue;
      this.forget(socket);
      socket.destroy();
      this.closedIdleCount += 1;
      return true;
    }
    return false;
  }

  private refuse(socket: Socket): void {
    this.refusedCount += 1;
    socket.on('error', () => undefined);
    socket.resetAndDestroy();
  }

  private forget(socket: Socket): void {
    const entry = this.tracked.get(socket);
    if (!entry) return;
    this.tracked.delete(socket);
    this.idle.delete(socket);
    const sockets = this.byAddress.get(entry.address);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.byAddress.delete(entry.address);
  }
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client. */
function normalise(address: string): string {
  return address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}
