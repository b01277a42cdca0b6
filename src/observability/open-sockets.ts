import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/** What is read of a socket.io namespace: its sockets connected to this process. */
interface SocketHolder {
  readonly sockets: ReadonlyMap<string, unknown>;
}

/**
 * Counts this instance's connected sockets without reaching into a gateway: once the gateways are
 * connected, it finds the socket.io namespaces (or servers) that Nest assigned to their
 * `@WebSocketServer()` properties. Each namespace's `sockets` holds only the sockets connected to
 * this process, also with the Redis adapter.
 */
@Injectable()
export class OpenSockets implements OnApplicationBootstrap {
  private namespaces: SocketHolder[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const found = new Set<SocketHolder>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      for (const value of Object.values(instance)) {
        const namespace = socketHolderOf(value);
        if (namespace) found.add(namespace);
      }
    }
    this.namespaces = [...found];
  }

  count(): number {
    return this.namespaces.reduce((sum, namespace) => sum + namespace.sockets.size, 0);
  }
}

/**
 * By shape rather than `instanceof`: the socket.io the Nest adapter loaded need not be the same
 * module instance as this file's. A Namespace has `name`, `sockets` (a Map) and `adapter`; a Server
 * has an `engine` and its main namespace as `sockets`.
 */
function socketHolderOf(value: unknown): SocketHolder | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const candidate = value as { name?: unknown; sockets?: unknown; adapter?: unknown; engine?: unknown };
  if (typeof candidate.name === 'string' && candidate.sockets instanceof Map && candidate.adapter) return candidate as SocketHolder;
  if (candidate.engine && candidate.sockets && typeof candidate.sockets === 'object') return socketHolderOf(candidate.sockets);
  return undefined;
}
