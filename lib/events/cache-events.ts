import { EventEmitter } from 'node:events';
import type { CacheUnavailableError, UnavailableReason } from '../errors/redis-sentinel-cache.errors.js';
import type { FailoverRecord } from '../interfaces/failover-record.interface.js';

/** A store operation, as RedisSentinelStore names it (`has` covers `hasMany`, `clear` is SCAN + UNLINK). */
export type StoreOperation = 'get' | 'mget' | 'has' | 'set' | 'mset' | 'del' | 'mdel' | 'clear';

/** The write fence fell: how long it stood and how many writes had to wait for it. */
export interface FenceRecord {
  heldMs: number;
  writes: number;
}

/** The write fence stood `failoverFenceTimeout` without the sentinels naming a new master. */
export interface FenceTimeoutRecord {
  heldMs: number;
  /** What raised it (`sentinel <host:port>`, `replica connection lost`, ...). */
  reasons: string[];
  /** Where writes resume (`host:port`, or "the current master"). */
  resumeOn: string;
}

export interface CacheEventMap {
  /** Reads answered by the cache: hits and misses (an expired or undecodable entry is a miss). */
  lookup: [hits: number, misses: number];
  /**
   * A store operation settled: its name, `performance.now()` when it was called, and why it failed
   * (undefined: Redis answered).
   */
  operation: [operation: StoreOperation, startedAt: number, failure: UnavailableReason | undefined];
  /** A cache operation failed (see CacheErrorReporter): logged, `listeners.error`, metrics. */
  unavailable: [CacheUnavailableError];
  /** The client followed a failover: logged, `listeners.failover`, metrics. */
  failover: [FailoverRecord];
  /** The write fence fell (the failover is over, aborted, or a blip). */
  fenceLowered: [FenceRecord];
  fenceTimeout: [FenceTimeoutRecord];
}

/**
 * The one source of what the cache reports: the log lines, the app's `listeners` and the
 * OpenTelemetry metrics all subscribe here. One per connection. The hot path's events (`operation`,
 * `lookup`) go through the helpers below, which cost a field read while nobody listens to them (no
 * clock read, no emit): that is the case unless metrics are recorded.
 */
export class CacheEvents extends EventEmitter<CacheEventMap> {
  private timing = false;
  private counting = false;

  constructor() {
    super();
    // `newListener` comes before the listener is added, `removeListener` after it is removed.
    const untyped = this as EventEmitter;
    untyped.on('newListener', (event: string | symbol) => this.watched(event, true));
    untyped.on('removeListener', (event: string | symbol) => this.watched(event, untyped.listenerCount(event) > 0));
  }

  private watched(event: string | symbol, listened: boolean): void {
    if (event === 'operation') this.timing = listened;
    else if (event === 'lookup') this.counting = listened;
  }

  /** When a store operation starts: `performance.now()` if someone times operations, else 0. */
  clock(): number {
    return this.timing ? performance.now() : 0;
  }

  /** A store operation settled (see the `operation` event); `startedAt` from {@link clock}. */
  completed(operation: StoreOperation, startedAt: number, failure?: UnavailableReason): void {
    if (this.timing) this.emit('operation', operation, startedAt, failure);
  }

  /** A single-key read: one hit or one miss. */
  looked(found: boolean): void {
    if (this.counting) this.emit('lookup', found ? 1 : 0, found ? 0 : 1);
  }

  /** A multi-key read: counts the values found. */
  lookedMany(values: readonly unknown[]): void {
    if (!this.counting) return;
    let hits = 0;
    for (const value of values) if (value !== undefined) hits += 1;
    this.emit('lookup', hits, values.length - hits);
  }
}
