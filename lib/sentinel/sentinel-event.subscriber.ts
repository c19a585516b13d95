import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { SentinelAddress } from '../interfaces/redis-sentinel-cache-options.interface.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { backoff } from '../client/backoff.js';
import { sentinelConnectionName, sentinelLabel } from './sentinel-connection.js';
import { parseSentinelEvent, SENTINEL_CHANNELS, SWITCH_CHANNEL, type SentinelEvent } from './sentinel-events.js';

/** What one sentinel let us subscribe to, the first time it was reachable. */
export interface SubscriptionReport {
  sentinel: string;
  subscribed: string[];
  /** Channel -> the server's refusal (e.g. `NOPERM ...`). */
  refused: Record<string, string>;
}

export interface SentinelEventSubscriberEvents {
  /** A failover event of our master group, and the sentinel (`host:port`) that published it. */
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
  /** Sentinels whose connection currently holds the +switch-master subscription. */
  private readonly switchSubscribers = new Set<string>();

  constructor(private readonly options: ResolvedOptions) {
    super();
    this.connections = options.sentinels.map((sentinel) => this.connect(sentinel));
  }

  private connect(sentinel: SentinelAddress): Redis {
    const label = sentinelLabel(sentinel);
    const connection = new Redis({
      connectionName: sentinelConnectionName('events'),
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
    // Connection errors are expected while a sentinel is down; the poller and the health check report outages.
    connection.on('error', () => undefined);
    connection.on('ready', () => void this.subscribe(connection, label));
    connection.on('close', () => this.switchSubscribers.delete(label));
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
        if (channel === SWITCH_CHANNEL) this.switchSubscribers.add(label);
      } catch (error) {
        report.refused[channel] = (error as Error).message;
      }
    }
    if (!this.reported.has(label)) {
      this.reported.add(label);
      this.emit('report', report);
    }
  }

  /** True while every sentinel holds our subscription to +switch-master (pushed events need no polling). */
  get subscribedEverywhere(): boolean {
    return this.switchSubscribers.size === this.connections.length;
  }

  close(): void {
    for (const connection of this.connections) connection.disconnect();
  }
}
