import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { backoff } from '../client/backoff.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { formatAddress, type NodeAddress } from '../client/node-address.js';
import { masterConnector } from './master-connector.js';

/**
 * Holds one idle connection (the app's credentials, `PING` rights are enough) to each replica of the
 * master. When Sentinel reconfigures a replica (`SLAVEOF NO ONE` to promote it, `SLAVEOF <new>` to the
 * others) it kills every client connection of that replica in the same transaction: the close arrives
 * at the promotion, about a second before `+switch-master`, and needs no right on the sentinels. A
 * close can also be a replica restart or a network blip, so it is a suspicion (`lost`), not a verdict:
 * the master tracker asks the sentinels at once and decides.
 */
export class ReplicaWatch extends EventEmitter<{ lost: [NodeAddress] }> {
  private readonly watches = new Map<string, { replica: NodeAddress; connection: Redis; established: boolean }>();
  private closed = false;

  constructor(private readonly options: ResolvedOptions) {
    super();
  }

  /** Replicas watched now, as the sentinels announce them. */
  get watched(): string[] {
    return [...this.watches.keys()];
  }

  /** Watches exactly these replicas (the ones the sentinels list for the current master). */
  setReplicas(replicas: NodeAddress[]): void {
    if (this.closed) return;
    const wanted = new Map(replicas.map((replica) => [formatAddress(replica), replica]));
    for (const [key, watch] of this.watches) {
      if (wanted.has(key)) continue;
      this.watches.delete(key);
      watch.connection.disconnect();
    }
    for (const [key, replica] of wanted) if (!this.watches.has(key)) this.watch(key, replica);
  }

  private watch(key: string, replica: NodeAddress): void {
    // The master connector with a fixed target: natMap applied the same way, TLS errors always heard.
    const Connector = masterConnector({ adopt: () => undefined, targetForConnect: async () => replica }, this.options.natMap);
    const connection = new Redis({
      Connector,
      username: this.options.username,
      password: this.options.password,
      tls: this.options.tls,
      connectTimeout: this.options.connectTimeout,
      commandTimeout: this.options.commandTimeout,
      retryStrategy: backoff(50, 2_000),
      enableReadyCheck: false,
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      disconnectTimeout: 200,
    });
    const watch = { replica, connection, established: false };
    this.watches.set(key, watch);
    connection.on('error', () => undefined);
    connection.on('ready', () => (watch.established = true));
    connection.on('close', () => {
      if (!watch.established) return;
      watch.established = false;
      if (!this.closed && this.watches.get(key) === watch) this.emit('lost', replica);
    });
    connection.connect().catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    for (const watch of this.watches.values()) watch.connection.disconnect();
    this.watches.clear();
  }
}
