import type { Attributes, BatchObservableCallback, Counter, Histogram, Meter, ObservableCounter, ObservableGauge } from '@opentelemetry/api';
import type { UnavailableReason } from '../errors/redis-sentinel-cache.errors.js';
import type { CacheEventMap, CacheEvents, StoreOperation } from '../events/cache-events.js';

/** Prefix of the cache's own instruments (the database client's follow the semantic conventions). */
export const METRIC_PREFIX = 'nestjs_redis_sentinel_cache';

/** `db.operation.name` of each store operation (the Redis command; `clear()` is SCAN MATCH + UNLINK). */
const DB_OPERATION: Record<StoreOperation, string> = {
  get: 'GET', mget: 'MGET', has: 'EXISTS', set: 'SET', mset: 'BATCH SET', del: 'DEL', mdel: 'DEL', clear: 'UNLINK',
};
const WRITES: ReadonlySet<string> = new Set<StoreOperation>(['set', 'mset', 'del', 'mdel', 'clear']);
/** Seconds: the semantic conventions' boundaries, with finer ones below 1 ms (a cache answers in a fraction of one). */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: failover phases last milliseconds to seconds. */
const FAILOVER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Where the client stands: `usable` (reads and writes go), `fenced` (writes held), `unusable` (nothing goes). */
export type ConnectionState = 'usable' | 'fenced' | 'unusable';
export const CONNECTION_STATES: readonly ConnectionState[] = ['usable', 'fenced', 'unusable'];

/**
 * Records the cache's events as OpenTelemetry metrics (instrument names, units and attributes are
 * listed in the README, "Metrics (OpenTelemetry)"). Subscribed to the same {@link CacheEvents} as the
 * log lines and the app's listeners. Attribute sets are built once, not per record. Hits and misses,
 * counted on every read, are plain integers observed at collection (the SDK hashes the attributes of
 * every synchronous record: about 0.4 µs each); the operation duration is the one SDK record per call.
 */
export class CacheMetrics {
  private readonly base: Attributes;
  private readonly duration: Histogram;
  private readonly hits: ObservableCounter;
  private readonly misses: ObservableCounter;
  private readonly errors: Counter;
  private readonly failovers: Counter;
  private readonly reconnect: Histogram;
  private readonly switchToFirstWrite: Histogram;
  private readonly fenceDuration: Histogram;
  private readonly heldWrites: Counter;
  private readonly fenceTimeouts: Counter;
  private readonly pending: ObservableGauge;
  private readonly state: ObservableGauge;
  private readonly attributes = new Map<string, Attributes>();
  private readonly stateAttributes: Record<ConnectionState, Attributes>;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly observe: BatchObservableCallback;
  /** `Date.now()` of the last switch followed until a write is acknowledged on the new master. */
  private switchedAt: number | undefined;
  /** Invalidations waiting for Redis (see PendingInvalidations); 0 until the store is attached. */
  private pendingInvalidations: () => number = () => 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly meter: Meter,
    private readonly events: CacheEvents,
    scope: { namespace: string; db: number },
    /** Where the client stands, read when the reader collects. */
    private readonly connectionState: () => ConnectionState,
  ) {
    this.base = { 'cache.namespace': scope.namespace };
    const dbBase = { ...this.base, 'db.system.name': 'redis', 'db.namespace': String(scope.db) };
    for (const [operation, name] of Object.entries(DB_OPERATION)) this.attributes.set(operation, { ...dbBase, 'db.operation.name': name });
    this.stateAttributes = { usable: { ...this.base, state: 'usable' }, fenced: { ...this.base, state: 'fenced' }, unusable: { ...this.base, state: 'unusable' } };
    const name = (suffix: string) => `${METRIC_PREFIX}.${suffix}`;
    const failoverHistogram = (suffix: string, description: string) =>
      meter.createHistogram(name(suffix), { unit: 's', description, advice: { explicitBucketBoundaries: FAILOVER_BUCKETS } });

    this.duration = meter.createHistogram('db.client.operation.duration', {
      unit: 's', description: 'Duration of cache operations on Redis, waiting (fence, reconnect) included.',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.hits = meter.createObservableCounter(name('hits'), { unit: '{hit}', description: 'Reads that found a value.' });
    this.misses = meter.createObservableCounter(name('misses'), { unit: '{miss}', description: 'Reads that found no value (or failed under fail-open).' });
    this.errors = meter.createCounter(name('errors'), { unit: '{error}', description: 'Cache operations Redis could not carry out, by reason.' });
    this.failovers = meter.createCounter(name('failovers'), { unit: '{failover}', description: 'Failovers the client followed to a new master.' });
    this.reconnect = failoverHistogram('failover.reconnect.duration', 'From learning of the new master to the client being usable on it.');
    this.switchToFirstWrite = failoverHistogram(
      'failover.switch_to_first_write.duration',
      'From learning of the new master (+switch-master or a poll) to the first write it acknowledged.',
    );
    this.fenceDuration = failoverHistogram('write_fence.duration', 'How long the write fence stood, each time it fell.');
    this.heldWrites = meter.createCounter(name('write_fence.held_writes'), { unit: '{write}', description: 'Writes that waited for the write fence.' });
    this.fenceTimeouts = meter.createCounter(name('write_fence.timeouts'), {
      unit: '{timeout}', description: 'Times the fence stood failoverFenceTimeout without a new master being named.',
    });
    this.pending = meter.createObservableGauge(name('pending_invalidations'), {
      unit: '{key}', description: 'Keys waiting to be deleted in Redis (failed writes, keys a failover may have lost); read as misses meanwhile.',
    });
    this.state = meter.createObservableGauge(name('connection.state'), {
      unit: '1', description: '1 for the state the client is in (usable, fenced: writes held, unusable), 0 for the others.',
    });

    this.on('lookup', (hits, misses) => {
      this.hitCount += hits;
      this.missCount += misses;
    });
    this.on('operation', (operation, startedAt, failure) => this.onOperation(operation, startedAt, failure));
    this.on('unavailable', (error) => this.errors.add(1, this.errorAttributes(error.operation, error.reason, 'reason')));
    this.on('failover', (record) => {
      this.failovers.add(1, { ...this.base, 'detected_by': record.detectedBy });
      this.reconnect.record(record.reconnectMs / 1000, this.base);
      this.switchedAt = Date.now() - record.reconnectMs;
    });
    this.on('fenceLowered', ({ heldMs, writes }) => {
      this.fenceDuration.record(heldMs / 1000, this.base);
      if (writes > 0) this.heldWrites.add(writes, this.base);
    });
    this.on('fenceTimeout', () => this.fenceTimeouts.add(1, this.base));
    this.observe = (result) => {
      result.observe(this.hits, this.hitCount, this.base);
      result.observe(this.misses, this.missCount, this.base);
      result.observe(this.pending, this.pendingInvalidations(), this.base);
      const now = this.connectionState();
      for (const state of CONNECTION_STATES) result.observe(this.state, state === now ? 1 : 0, this.stateAttributes[state]);
    };
    meter.addBatchObservableCallback(this.observe, this.observables());
  }

  private observables() {
    return [this.hits, this.misses, this.pending, this.state];
  }

  /** The store's count of pending invalidations, for its gauge. */
  observePending(read: () => number): void {
    this.pendingInvalidations = read;
  }

  private on<E extends keyof CacheEventMap>(event: E, listener: (...args: CacheEventMap[E]) => void): void {
    type Listener = (...args: CacheEventMap[E]) => void;
    const events = this.events as unknown as { on(event: E, listener: Listener): void; off(event: E, listener: Listener): void };
    events.on(event, listener);
    this.unsubscribe.push(() => events.off(event, listener));
  }

  private onOperation(operation: StoreOperation, startedAt: number, failure: UnavailableReason | undefined): void {
    if (startedAt === 0) return; // started before anyone timed operations (see CacheEvents.clock)
    const seconds = (performance.now() - startedAt) / 1000;
    if (failure) {
      this.duration.record(seconds, this.errorAttributes(operation, failure, 'error.type'));
      return;
    }
    this.duration.record(seconds, this.attributes.get(operation)!);
    if (this.switchedAt !== undefined && WRITES.has(operation)) {
      this.switchToFirstWrite.record((Date.now() - this.switchedAt) / 1000, this.base);
      this.switchedAt = undefined;
    }
  }

  /** The attributes of an operation with its failure reason under `key` (built once per combination). */
  private errorAttributes(operation: string, reason: UnavailableReason, key: 'reason' | 'error.type'): Attributes {
    const id = `${operation}\u0000${reason}\u0000${key}`;
    let attributes = this.attributes.get(id);
    if (!attributes) {
      const operationName = DB_OPERATION[operation as StoreOperation] ?? operation.toUpperCase();
      attributes = key === 'reason'
        ? { ...this.base, reason, 'db.operation.name': operationName }
        : { ...(this.attributes.get(operation) ?? this.base), 'error.type': reason };
      this.attributes.set(id, attributes);
    }
    return attributes;
  }

  /** Stops recording (shutdown): the provider outlives the module. */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.meter.removeBatchObservableCallback(this.observe, this.observables());
  }
}
