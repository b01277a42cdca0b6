/**
 * What one socket is sent, in which order, and never twice. Pure: the gateway feeds it.
 *
 * A socket that connects with `lastNotificationId` is first registered as a recipient of live pushes,
 * then replayed from the store (`id > lastNotificationId`, in id order). The race between the two is
 * closed here, on the server, instead of leaving duplicates for the client to drop:
 * - live pushes that arrive while the replay runs are buffered, then sent after it in id order;
 * - a live push for a notification the replay already sent is dropped (the store and the push of a
 *   notification committed just before the replay query can both reach the socket).
 * Nothing is lost: a notification committed before the replay query is in it, and one committed after
 * it is pushed after the socket was registered (the push always follows the commit).
 */
export class SocketDelivery<M> {
  private buffer: M[] | null;
  /** Made only for a socket that replays: most sockets never do. */
  private replayed?: Set<string>;

  constructor(
    /** The notification id of a message. */
    private readonly idOf: (message: M) => string,
    private readonly send: (message: M) => void,
    options: { replaying: boolean },
  ) {
    this.buffer = options.replaying ? [] : null;
  }

  get replaying(): boolean {
    return this.buffer !== null;
  }

  /** A live push for this socket's user. */
  live(message: M): void {
    if (this.buffer) {
      this.buffer.push(message);
      return;
    }
    if (this.replayed?.has(this.idOf(message))) return;
    this.send(message);
  }

  /** Stored notifications, in id order, while replaying. */
  replay(messages: readonly M[]): void {
    if (!this.buffer) throw new Error('replay() after finishReplay()');
    const replayed = (this.replayed ??= new Set());
    for (const message of messages) {
      const id = this.idOf(message);
      if (replayed.has(id)) continue;
      replayed.add(id);
      this.send(message);
    }
  }

  /** Ends the replay (also when it failed): buffered live pushes not replayed go out, in id order. */
  finishReplay(): void {
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const message of [...buffered].sort((a, b) => compareIds(this.idOf(a), this.idOf(b)))) this.live(message);
  }
}

export function compareIds(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
