import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of one node, for faults between one app instance and Redis only.
 * `stall()` stops moving bytes in both directions (and holds new connections) without closing
 * anything, as a network partition does: what the client sent meanwhile stays queued and reaches
 * Redis on `resume()`, like TCP retransmissions after a partition heals (the worst case for a write
 * the client already reported failed). Every socket is destroyed by `close()`.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  private readonly waiting: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    this.track(client);
    const open = () => {
      if (client.destroyed) return;
      const upstream = connect(target.port, target.host);
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.end());
      upstream.on('close', () => client.destroy());
      if (this.stalled) {
        client.pause();
        upstream.pause();
      }
    };
    client.pause();
    if (this.stalled) this.waiting.push(open);
    else open();
  }

  /** Stops moving bytes both ways and holds new connections until resume(). */
  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) socket.pause();
  }

  resume(): void {
    this.stalled = false;
    for (const socket of this.sockets) socket.resume();
    for (const open of this.waiting.splice(0)) open();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
