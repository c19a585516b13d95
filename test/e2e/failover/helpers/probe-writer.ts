import type { Redis } from 'ioredis';
import type { Topology } from '../../../../scripts/topology/topology.js';
import type { RedisSentinelStore } from '../../../../lib/store/redis-sentinel.store.js';

export interface ProbeWrite {
  key: string;
  sentAt: number;
  /** Date.now() when the store acknowledged the write (resolved true); undefined when it failed. */
  ackAt?: number;
  /** Port of the node the client was connected to when the acknowledgement arrived. */
  port?: number;
  error?: string;
}

/**
 * Writes distinct keys (`<namespace>:probe:<run>:<n>`, value = n and send time) one after another
 * through the app's own cache store, i.e. through the same client, failover fence and error policy as
 * every cache write of the app, and records when each write was acknowledged and by which node.
 * Bounded by `maxWrites` and by stop().
 */
export class ProbeWriter {
  readonly writes: ProbeWrite[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly store: RedisSentinelStore,
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly options: { pauseMs?: number; maxWrites?: number } = {},
  ) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    const pauseMs = this.options.pauseMs ?? 5;
    const maxWrites = this.options.maxWrites ?? 20_000;
    for (let n = 0; this.running && n < maxWrites; n += 1) {
      const key = `${this.prefix}:${n}`;
      const write: ProbeWrite = { key, sentAt: Date.now() };
      this.writes.push(write);
      try {
        const ok = await this.store.set(key, JSON.stringify({ n, sentAt: write.sentAt }), 600_000);
        if (ok) {
          write.ackAt = Date.now();
          write.port = (this.client.stream as { remotePort?: number } | undefined)?.remotePort;
        } else {
          write.error = 'not acknowledged (failed open)';
        }
      } catch (error) {
        write.error = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  acked(): ProbeWrite[] {
    return this.writes.filter((write) => write.ackAt !== undefined);
  }

  /** First write acknowledged at or after `since` by the node on `port`. */
  firstAckOn(port: number, since: number): ProbeWrite | undefined {
    return this.writes.find((write) => write.ackAt !== undefined && write.ackAt >= since && write.port === port);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** Which acknowledged writes are missing on the current master (read back as admin, in chunks). */
export async function missingOnMaster(topology: Topology, writes: ProbeWrite[]): Promise<ProbeWrite[]> {
  const master = await topology.currentMaster();
  const missing: ProbeWrite[] = [];
  for (let start = 0; start < writes.length; start += 500) {
    const chunk = writes.slice(start, start + 500);
    const values = (await topology.adminCommand(master, 'MGET', ...chunk.map((write) => write.key))) as Array<string | null>;
    chunk.forEach((write, index) => {
      if (values[index] === null || values[index] === undefined) missing.push(write);
    });
  }
  return missing;
}
