import { Redis } from 'ioredis';
import type { Topology } from '../scripts/topology/topology.js';
import { bounded, onCleanup, sleep } from './lifecycle.js';

export interface SentinelMessage {
  /** performance.now() when it arrived. */
  t: number;
  sentinel: number;
  channel: string;
  message: string;
}

const MAX_MESSAGES = 50_000;

/**
 * Our own admin subscriber on every sentinel (PSUBSCRIBE *), timestamping each event as it arrives,
 * so +switch-master and the steps before it are measured independently of the clients under test.
 */
export class SentinelWatcher {
  readonly messages: SentinelMessage[] = [];
  private readonly connections: Redis[] = [];
  private waiters: Array<() => void> = [];
  readonly close: () => Promise<void>;

  private constructor(private readonly masterName: string) {
    this.close = onCleanup('sentinel watcher', () => {
      for (const connection of this.connections) connection.disconnect();
    });
  }

  static async start(topology: Topology): Promise<SentinelWatcher> {
    const watcher = new SentinelWatcher(topology.masterName);
    for (const [index, address] of topology.sentinelAddresses.entries()) {
      const connection = new Redis({
        host: address.host,
        port: address.port,
        username: 'admin',
        password: topology.password,
        enableReadyCheck: false,
        connectTimeout: 2_000,
        retryStrategy: () => 100,
        maxRetriesPerRequest: null,
        disconnectTimeout: 200,
        lazyConnect: true,
      });
      connection.on('error', () => undefined);
      connection.on('pmessage', (_pattern: string, channel: string, message: string) => watcher.record(index, channel, message));
      watcher.connections.push(connection);
      await bounded(connection.connect(), 5_000, `sentinel ${address.port} connect`);
      await bounded(connection.psubscribe('*'), 5_000, `sentinel ${address.port} psubscribe`);
    }
    return watcher;
  }

  private record(sentinel: number, channel: string, message: string): void {
    if (this.messages.length >= MAX_MESSAGES) this.messages.splice(0, MAX_MESSAGES / 2);
    this.messages.push({ t: performance.now(), sentinel, channel, message });
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The first +switch-master of our master group that arrived after `since` (performance.now()). */
  firstSwitch(since: number): { t: number; to: { host: string; port: number }; from: { host: string; port: number } } | undefined {
    for (const m of this.messages) {
      if (m.t < since || m.channel !== '+switch-master') continue;
      const [name, fromHost, fromPort, toHost, toPort] = m.message.split(' ');
      if (name !== this.masterName) continue;
      return { t: m.t, from: { host: fromHost!, port: Number(fromPort) }, to: { host: toHost!, port: Number(toPort) } };
    }
    return undefined;
  }

  /** Waits (bounded) for the first +switch-master after `since`. */
  async waitForSwitch(since: number, timeoutMs: number): Promise<NonNullable<ReturnType<SentinelWatcher['firstSwitch']>>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.firstSwitch(since);
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no +switch-master within ${timeoutMs} ms`);
      await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), sleep(Math.min(left, 250))]);
    }
  }

  /** ms after `since` of the first occurrence of each event (any sentinel) up to `until`, our master's events only. */
  timeline(since: number, until: number): Record<string, number> {
    const first: Record<string, number> = {};
    for (const m of this.messages) {
      if (m.t < since || m.t > until || m.channel in first) continue;
      if (!m.message.includes(this.masterName) && m.channel !== '+switch-master') continue;
      first[m.channel] = Math.round(m.t - since);
    }
    return first;
  }
}
