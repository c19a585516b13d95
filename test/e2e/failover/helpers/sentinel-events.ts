import { Redis } from 'ioredis';
import type { Address, Topology } from '../../../../scripts/topology/topology.js';

/** One Sentinel event as published on the sentinel's Pub/Sub channel of that name. */
export interface RecordedEvent {
  /** Date.now() when this process received it. */
  at: number;
  sentinel: number;
  channel: string;
  message: string;
}

/**
 * Subscribes as the sentinels' admin user to every event channel of every sentinel and timestamps
 * what they publish (+sdown, +odown, +selected-slave, +switch-master, +convert-to-slave, aborts...).
 * Reconnects by itself when a sentinel is killed and restarted. Independent of the library under test.
 */
export class SentinelEventRecorder {
  readonly events: RecordedEvent[] = [];
  private readonly connections: Redis[];
  private static readonly MAX_EVENTS = 50_000;

  private constructor(topology: Topology) {
    this.connections = topology.sentinelAddresses.map((address, index) => this.connect(topology, address, index));
  }

  /** Resolves once every live sentinel confirmed the subscription (bounded). */
  static async start(topology: Topology, timeoutMs = 5_000): Promise<SentinelEventRecorder> {
    const recorder = new SentinelEventRecorder(topology);
    const deadline = Date.now() + timeoutMs;
    const live = topology.sentinels.map((node) => node.alive());
    while (Date.now() < deadline && recorder.connections.some((c, i) => live[i] && c.status !== 'ready')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // psubscribe is sent right after ready; give it a round trip.
    await Promise.all(recorder.connections.filter((c) => c.status === 'ready').map((c) => c.ping().catch(() => undefined)));
    return recorder;
  }

  private connect(topology: Topology, address: Address, index: number): Redis {
    const connection = new Redis({
      host: address.host,
      port: address.port,
      username: 'admin',
      password: topology.password,
      protocol: 2,
      connectTimeout: 1_000,
      retryStrategy: () => 100,
      maxRetriesPerRequest: null,
      enableReadyCheck: false,
      disableClientInfo: true,
      lazyConnect: true,
    });
    connection.on('error', () => undefined);
    connection.on('pmessage', (_pattern: string, channel: string, message: string) => {
      if (this.events.length < SentinelEventRecorder.MAX_EVENTS) {
        this.events.push({ at: Date.now(), sentinel: index, channel, message });
      }
    });
    connection.connect().then(
      () => connection.psubscribe('*').catch(() => undefined),
      () => undefined,
    );
    return connection;
  }

  /** The first event on `channel` received at or after `since` (any sentinel). */
  first(channel: string, since: number): RecordedEvent | undefined {
    return this.events.find((event) => event.channel === channel && event.at >= since);
  }

  /** Waits (bounded) for the first event on `channel` at or after `since`. */
  async waitFor(channel: string, since: number, timeoutMs: number): Promise<RecordedEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.first(channel, since);
      if (event || Date.now() >= deadline) return event;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Compact timeline since `since`: `+1234 ms s0 +switch-master primary ...`, for failure messages. */
  timeline(since: number, limit = 40): string {
    return this.events
      .filter((event) => event.at >= since && !event.channel.startsWith('__'))
      .slice(0, limit)
      .map((event) => `+${event.at - since} ms s${event.sentinel} ${event.channel} ${event.message}`)
      .join('\n');
  }

  close(): void {
    for (const connection of this.connections) connection.disconnect();
  }
}

/** The new master of a `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>` message. */
export function switchTarget(event: RecordedEvent): Address {
  const [, , , host, port] = event.message.trim().split(/\s+/);
  return { host: host!, port: Number(port) };
}
