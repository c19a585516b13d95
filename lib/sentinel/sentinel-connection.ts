import { Redis } from 'ioredis';
import type { SentinelAddress } from '../interfaces/redis-sentinel-cache-options.interface.js';
import type { ResolvedOptions } from '../options/validate-options.js';

/** `host:port` of a configured sentinel, as logs and reports name it. */
export function sentinelLabel(sentinel: SentinelAddress): string {
  return `${sentinel.host}:${sentinel.port}`;
}

/** What a sentinel connection is for; it is named `nestjs-redis-sentinel-cache:<purpose>` (`CLIENT LIST`). */
export type SentinelConnectionPurpose = 'check' | 'poller' | 'events' | 'health';

/** The connection name operators see in `CLIENT LIST` on a sentinel. */
export function sentinelConnectionName(purpose: SentinelConnectionPurpose): string {
  return `nestjs-redis-sentinel-cache:${purpose}`;
}

/**
 * A connection to one sentinel with the sentinel credentials and bounded waits (connect and every
 * command), no reconnect of its own and no ready check, named after its purpose (a refused
 * `CLIENT SETNAME` is ignored). Lazy: call `connect()`.
 */
export function connectSentinel(options: ResolvedOptions, sentinel: SentinelAddress, timeout: number, purpose: SentinelConnectionPurpose): Redis {
  const connection = new Redis({
    connectionName: sentinelConnectionName(purpose),
    host: sentinel.host,
    port: sentinel.port,
    family: sentinel.family,
    username: options.sentinelUsername,
    password: options.sentinelPassword,
    tls: options.sentinelTLS,
    connectTimeout: Math.min(options.connectTimeout, timeout),
    commandTimeout: Math.min(options.sentinelCommandTimeout, timeout),
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    lazyConnect: true,
    // ioredis arms this timer even for a socket that is already closed: keep it short.
    disconnectTimeout: 200,
  });
  connection.on('error', () => undefined);
  return connection;
}

/** A held sentinel connection and the last `error` event it emitted (a refused AUTH surfaces only there). */
export interface HeldSentinel {
  connection: Redis;
  lastError?: unknown;
}

/**
 * One connection per sentinel, opened on first use and reused while it lives; a connection that
 * failed is dropped by its user (`drop`), so the next use connects afresh. Commands queue until the
 * connection is up, or fail with it. `close()` disconnects them all; after it, each use gets a
 * one-off connection that its user drops.
 */
export class SentinelConnections {
  private readonly held = new Map<string, HeldSentinel>();
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    /** Bound on connecting and on each command. */
    private readonly timeout: number,
    private readonly purpose: SentinelConnectionPurpose,
  ) {}

  get(sentinel: SentinelAddress): HeldSentinel {
    const label = sentinelLabel(sentinel);
    const existing = this.held.get(label);
    if (existing && existing.connection.status !== 'end' && existing.connection.status !== 'close') return existing;
    if (existing) this.drop(existing);
    const connection = connectSentinel(this.options, sentinel, this.timeout, this.purpose);
    const held: HeldSentinel = { connection };
    connection.on('error', (error: unknown) => (held.lastError = error));
    connection.connect().catch(() => undefined);
    if (!this.closed) this.held.set(label, held);
    return held;
  }

  /** Disconnects a connection (after a failure, or a one-off after `close()`). */
  drop(held: HeldSentinel): void {
    for (const [label, entry] of this.held) if (entry === held) this.held.delete(label);
    held.connection.disconnect();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    for (const held of [...this.held.values()]) this.drop(held);
  }
}
