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
 * OpenTelemetry metrics all subscribe here. One per connection. Emitting with no subscriber costs a
 * property lookup, so the hot path emits unconditionally.
 */
export class CacheEvents extends EventEmitter<CacheEventMap> {
  /** A single-key read: one hit or one miss. */
  looked(found: boolean): void {
    this.emit('lookup', found ? 1 : 0, found ? 0 : 1);
  }

  /** A multi-key read: counts the values found (only when someone listens). */
  lookedMany(values: readonly unknown[]): void {
    if (this.listenerCount('lookup') === 0) return;
    let hits = 0;
    for (const value of values) if (value !== undefined) hits += 1;
    this.emit('lookup', hits, values.length - hits);
  }
}
