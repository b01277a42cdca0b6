/**
 * The sockets of `npm run bench:sockets`, in a process of their own (as browsers are): opens the
 * moderators' sockets to their instances, from several loopback addresses so that no address
 * reaches MAX_CONNECTIONS_PER_ADDRESS, and notes when each `points.purchased` alert arrives.
 */
import { io, Socket } from 'socket.io-client';

export interface SocketPlan {
  url: string;
  token: string;
  localAddress: string;
}

export type ToClients = { type: 'open'; sockets: SocketPlan[]; concurrency: number } | { type: 'report' } | { type: 'close' };
export type FromClients =
  | { type: 'ready' }
  | { type: 'opened'; connected: number; refused: string[]; seconds: number }
  | { type: 'report'; alerts: Array<[transactionId: string, receivedAt: number]>; connected: number };

/** Epoch milliseconds with sub-millisecond precision, comparable between processes of one machine. */
export const now = () => performance.timeOrigin + performance.now();

function child(): void {
  const sockets: Socket[] = [];
  let alerts: Array<[string, number]> = [];
  const reply = (message: FromClients) => process.send?.(message);

  const open = (plan: SocketPlan) =>
    new Promise<string | null>((resolve) => {
      const socket = io(`${plan.url}/notifications`, {
        auth: { token: plan.token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: 60_000,
        localAddress: plan.localAddress,
      } as Parameters<typeof io>[1]);
      socket.on('points.purchased', (payload: { transactionId: string }) => alerts.push([payload.transactionId, now()]));
      socket.once('connect', () => {
        sockets.push(socket);
        resolve(null);
      });
      socket.once('connect_error', (error: Error & { data?: unknown }) => {
        socket.close();
        resolve(`${error.message}${error.data ? ` ${JSON.stringify(error.data)}` : ''}`);
      });
    });

  process.on('message', (message: ToClients) => {
    if (message.type === 'open') {
      const started = now();
      const refused: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < message.sockets.length) {
          const problem = await open(message.sockets[next++]);
          if (problem) refused.push(problem);
        }
      };
      void Promise.all(Array.from({ length: message.concurrency }, worker)).then(() =>
        reply({ type: 'opened', connected: sockets.filter((socket) => socket.connected).length, refused: refused.slice(0, 5), seconds: (now() - started) / 1000 }),
      );
    } else if (message.type === 'report') {
      reply({ type: 'report', alerts, connected: sockets.filter((socket) => socket.connected).length });
      alerts = [];
    } else {
      for (const socket of sockets.splice(0)) socket.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready' });
}

if (require.main === module) child();
