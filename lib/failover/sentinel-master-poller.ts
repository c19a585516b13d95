import type { Redis } from 'ioredis';
import { toRecord } from '../client/redis-replies.js';
import { connectSentinel } from '../client/sentinel-check.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import type { AnnouncedAddress, SentinelEvent } from './sentinel-events.js';

interface MasterView {
  address: AnnouncedAddress;
  epoch: number;
  /** The failover leader keeps the old address, with the new epoch, until it announces the switch. */
  failingOver: boolean;
}

/** Newer config epoch first; at the same epoch, a sentinel that has finished the switch. */
function newer(a: MasterView, b: MasterView): boolean {
  return a.epoch !== b.epoch ? a.epoch > b.epoch : b.failingOver && !a.failingOver;
}

/**
 * The fallback failover detector for sentinels whose ACL refuses SUBSCRIBE (the seed's `default`
 * user): every `sentinelPollInterval` ms it asks every sentinel `SENTINEL MASTER <name>` and follows
 * the answer with the highest config epoch, so a sentinel that has not heard of a switch yet cannot
 * send the client back. A change becomes a `switch` event for the coordinator. It cannot see a
 * promotion coming, so writes are not fenced: subscribe rights remain the real fix.
 */
export class SentinelMasterPoller {
  private readonly connections = new Map<string, Redis>();
  private readonly timer: NodeJS.Timeout;
  private current: MasterView | undefined;
  private polling = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly onEvent: (event: SentinelEvent) => void,
  ) {
    this.timer = setInterval(() => void this.poll(), options.sentinelPollInterval);
    this.timer.unref();
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const views = await Promise.all(this.options.sentinels.map((sentinel) => this.ask(`${sentinel.host}:${sentinel.port}`, sentinel)));
      const newest = views.reduce<MasterView | undefined>((best, view) => (view && (!best || newer(view, best)) ? view : best), undefined);
      if (!newest) return;
      const previous = this.current;
      if (previous && newest.epoch < previous.epoch) return;
      this.current = newest;
      const moved = previous && (previous.address.host !== newest.address.host || previous.address.port !== newest.address.port);
      if (moved) this.onEvent({ kind: 'switch', name: this.options.name, from: previous.address, to: newest.address });
    } finally {
      this.polling = false;
    }
  }

  private async ask(label: string, sentinel: ResolvedOptions['sentinels'][number]): Promise<MasterView | undefined> {
    let connection = this.connections.get(label);
    if (!connection) {
      connection = connectSentinel(this.options, sentinel, this.options.sentinelCommandTimeout);
      this.connections.set(label, connection);
    }
    try {
      if (connection.status === 'wait') await connection.connect();
      const master = toRecord(await connection.call('SENTINEL', 'MASTER', this.options.name));
      const port = Number(master.port);
      if (!master.ip || !Number.isInteger(port)) return undefined;
      return {
        address: { host: master.ip, port },
        epoch: Number(master['config-epoch'] ?? 0),
        failingOver: (master.flags ?? '').includes('failover_in_progress'),
      };
    } catch {
      this.connections.delete(label);
      connection.disconnect();
      return undefined;
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const connection of this.connections.values()) connection.disconnect();
    this.connections.clear();
  }
}
