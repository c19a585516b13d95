import { createServer, type Server } from 'node:net';

/**
 * Asks the kernel for `n` distinct free TCP ports on 127.0.0.1: binds n listeners on port 0 at the
 * same time (so the ports are distinct), reads their ports, closes them.
 *
 * Parallel jest workers, the sample app and the benchmarks each get their own ports. There is an
 * unavoidable window between close() and the Redis bind; startTopology retries with new ports if a
 * bind fails with "Address already in use".
 */
export async function allocatePorts(n: number): Promise<number[]> {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`allocatePorts: n must be a non-negative integer, got ${n}`);
  const servers: Server[] = [];
  try {
    const listening = Array.from({ length: n }, () => {
      const server = createServer();
      server.unref();
      servers.push(server);
      return new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
          const address = server.address();
          if (address === null || typeof address === 'string') {
            reject(new Error('allocatePorts: listener has no TCP address'));
          } else {
            resolve(address.port);
          }
        });
      });
    });
    return await Promise.all(listening);
  } finally {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
          }),
      ),
    );
  }
}
