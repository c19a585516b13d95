import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { SentinelAddress } from '../interfaces/redis-sentinel-cache-options.interface.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { backoff } from '../client/backoff.js';
import { parseSentinelEvent, SENTINEL_CHANNELS, type SentinelEvent } from './sentinel-events.js';

/** What one sentinel let us subscribe to, the first time it was reachable. */
export interface SubscriptionReport {
  sentinel: string;
  subscribed: string[];
  /** Channel -> the server's refusal (e.g. `NOPERM ...`). */
  refused: Record<string, string>;
}

export interface SentinelEventSubscriberEvents {
  event: [SentinelEvent, string];
  report: [SubscriptionReport];
}

/**
 * Holds one subscriber connection per sentinel and re-emits the failover events of our master group.
 * Replaces ioredis's own `failoverDetector`, which drops the message (so it cannot tell where the
 * master went) and cannot fence writes. Subscribes channel by channel, so an ACL that allows only
 * some channels still gets those, and re-subscribes on every reconnect.
 */
export class SentinelEventSubscriber extends EventEmitter<SentinelEventSubscriberEvents> {
  private readonly connections: Redis[];
  private readonly reported = new Set<string>();

  constructor(private readonly options: ResolvedOptions) {
    super();
    this.connections = options.sentinels.map((sentinel) => this.connect(sentinel));
  }

  private connect(sentinel: SentinelAddress): Redis {
    const label = `${sentinel.host}:${sentinel.port}`;
    const connection = new Redis({
      host: sentinel.host,
      port: sentinel.port,
      family: sentinel.family,
      username: this.options.sentinelUsername,
      password: this.options.sentinelPassword,
      tls: this.options.sentinelTLS,
      connectTimeout: this.options.connectTimeout,
      commandTimeout: this.options.sentinelCommandTimeout,
      retryStrategy: backoff(100, 2_000),
      enableReadyCheck: false,
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: null,
      lazyConnect: true,
      // ioredis arms this timer even for a socket that is already closed: keep it short.
      disconnectTimeout: 200,
    });
    // Connection errors are expected while a sentinel is down; the coordinator reports outages.
    connection.on('error', () => undefined);
    connection.on('ready', () => void this.subscribe(connection, label));
    connection.on('message', (channel: string, message: string) => {
      const event = parseSentinelEvent(channel, message);
      if (event && event.name === this.options.name) this.emit('event', event, label);
    });
    connection.connect().catch(() => undefined);
    return connection;
  }

  private async subscribe(connection: Redis, label: string): Promise<void> {
    const report: SubscriptionReport = { sentinel: label, subscribed: [], refused: {} };
    for (const channel of SENTINEL_CHANNELS) {
      try {
        await connection.subscribe(channel);
        report.subscribed.push(channel);
      } catch (error) {
        report.refused[channel] = (error as Error).message;
      }
    }
    if (!this.reported.has(label)) {
      this.reported.add(label);
      this.emit('report', report);
    }
  }

  /** Number of sentinels we currently hold a subscription to. */
  get connectedCount(): number {
    return this.connections.filter((connection) => connection.status === 'ready').length;
  }

  close(): void {
    for (const connection of this.connections) connection.disconnect();
  }
}
