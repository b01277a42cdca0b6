import { createServer } from 'node:net';

/**
 * A loopback port free right now, for a server started as another program that takes no port 0
 * (PHP's built-in server, nginx, PostgreSQL). Another process could take it before that program
 * binds it; on a test machine that is rare enough.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
