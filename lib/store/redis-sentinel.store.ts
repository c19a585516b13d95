import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { CacheUnavailableError } from '../errors/redis-sentinel-cache.errors.js';
import { ValueTooLargeError } from '../errors/redis-sentinel-cache.errors.js';
import { CacheEvents, type StoreOperation } from '../events/cache-events.js';
import { CommandDispatcher, type DispatchGate } from './command-dispatcher.js';
import { PendingInvalidations } from './pending-invalidations.js';
import { GetBatch } from './get-batch.js';
import { RecentWrites } from './recent-writes.js';
import { CommandTimerBypass } from './command-timer-bypass.js';
import { TickCorker } from './tick-corker.js';
import type { CacheEntry, ValueCodec } from './value-codec.js';

/** The master the client uses, as the store needs to know it (the MasterTracker). */
export interface StoreMaster extends DispatchGate {
  /** Where the client is usable now (the store starts after the first `usable`). */
  usableOn(): { master: { host: string; port: number }; switches: number } | undefined;
  /** `usable`: the client may be used on this master (after this many switches); `fence`: the write fence rose or fell. */
  on(event: 'usable', listener: (master: { host: string; port: number }, switches: number) => void): unknown;
  on(event: 'fence', listener: (raised: boolean) => void): unknown;
}

/** What the store needs around the client. */
export interface StoreContext {
  client: Redis;
  master: StoreMaster;
  /** Turns Redis failures into typed, reported errors (see CacheErrorReporter). */
  reporter: { failed(operation: string, cause: unknown): CacheUnavailableError };
  /** `onError: 'fail-open'`: a failed read is a miss, a failed write a no-op. */
  failOpen: boolean;
  maxValueSize: number;
  commandTimeout: number;
  /** Keys written this long ago or less are invalidated on a new master (0: off). */
  recentWritesWindow: number;
  maxRecentWrites: number;
  maxPendingInvalidations: number;
  /** How values are written to and read from Redis (see {@link ValueCodec}). */
  codec: ValueCodec;
  /** One socket write per event-loop turn (see {@link TickCorker}). @default true */
  corkPerTick?: boolean;
  /** Start-up notes (an ioredis internal moved: a speed-up is off). */
  warn?: (message: string) => void;
  /** Called by `disconnect()`. */
  close(): Promise<void>;
  /** Where each operation's outcome is reported (metrics). @default a CacheEvents nobody listens to */
  events?: CacheEvents;
}

/** Keys per SCAN page and per UNLINK in `clear()`. */
const CLEAR_BATCH = 500;

/** A value as the store takes it: an entry to encode, or a string already encoded. */
export type StoreValue = CacheEntry | string;

/**
 * A keyv 5 storage adapter over an ioredis (Sentinel) client. Keyv (built without a serializer) hands
 * it keys already prefixed with `<namespace>:` and `{ value, expires }` entries, which it encodes
 * itself ({@link ValueCodec}: strings as they are, no JSON envelope) and decodes on the way back
 * (Keyv's envelope of earlier releases included); ttl is in ms. Every call goes through the
 * {@link CommandDispatcher}: in call order per key, writes behind the failover fence, bounded by
 * `commandTimeout`. A write that fails (dropped, or its outcome unknown) leaves its keys to
 * {@link PendingInvalidations}: deleted in Redis as soon as possible, read as misses until then. Keys
 * acknowledged in the last `recentWritesWindow` ms are invalidated on every new master.
 *
 * Speed: the gets of one event-loop turn go as one MGET ({@link GetBatch}), the commands of one turn
 * leave in one socket write ({@link TickCorker}), and ioredis arms no timer per command
 * ({@link CommandTimerBypass}); each checks the ioredis internal it relies on at start-up and is off
 * (with a warning) when it moved.
 */
export class RedisSentinelStore extends EventEmitter implements KeyvStoreAdapter {
  /** `dialect: 'redis'` lets Keyv use {@link iterator}; Keyv's constructor requires it. */
  readonly opts = { dialect: 'redis' as const };
  namespace?: string;
  private readonly client: Redis;
  private readonly dispatcher: CommandDispatcher;
  private readonly pending: PendingInvalidations;
  private readonly recent: RecentWrites;
  private readonly gets: GetBatch<CacheEntry | undefined>;
  private lastMaster: string | undefined;
  private readonly events: CacheEvents;

  constructor(private readonly context: StoreContext) {
    super();
    this.events = context.events ?? new CacheEvents();
    this.client = context.client;
    const corker = context.corkPerTick === false ? undefined : new TickCorker(context.client);
    if (corker?.disabledBecause) context.warn?.(`Writing each Redis command separately (${corker.disabledBecause}); the cache works, a little slower.`);
    const bypass = new CommandTimerBypass(context.client.options);
    if (bypass.disabledBecause) context.warn?.(`Keeping ioredis's per-command timer (${bypass.disabledBecause}); the cache works, a little slower.`);
    const cork = corker?.enabled ? corker : undefined;
    const lift = bypass.enabled ? bypass : undefined;
    this.dispatcher = new CommandDispatcher(
      context.master,
      context.commandTimeout,
      cork || lift
        ? {
            before: () => {
              cork?.cork();
              lift?.lift();
            },
            after: () => lift?.restore(),
          }
        : undefined,
    );
    this.gets = new GetBatch(
      this.dispatcher,
      context.client,
      (raw, started) => {
        this.events.completed('get', started);
        return context.codec.decode(raw);
      },
      (cause, started) => this.failed('get', undefined, cause, started),
      cork,
    );
    this.dispatcher.beforeSubmit = this.gets.flush;
    if (corker) corker.beforeUncork = this.gets.flush;
    this.recent = new RecentWrites(context.recentWritesWindow, context.maxRecentWrites);
    this.pending = new PendingInvalidations(
      this.dispatcher,
      context.maxPendingInvalidations,
      (keys) => this.client.unlink(...keys),
      (pattern) => this.unlinkMatching(pattern),
      () => (this.namespace ? this.pattern() : undefined),
    );
    const label = (master: { host: string; port: number }, switches: number) => `${master.host}:${master.port} after ${switches} switch(es)`;
    const now = context.master.usableOn();
    if (now) this.lastMaster = label(now.master, now.switches);
    context.master.on('usable', (master, switches) => this.onUsable(label(master, switches)));
    context.master.on('fence', (raised) => {
      if (raised) return;
      this.pending.replay();
      this.dispatcher.drain();
    });
    context.client.on('close', () => this.dispatcher.connectionLost());
  }

  /** Invalidations waiting for Redis (failed writes, keys a failover may have lost). */
  get pendingInvalidations(): number {
    return this.pending.size;
  }

  /** Store operations waiting to be sent (behind the fence, or for a connection). */
  get waitingOperations(): number {
    return this.dispatcher.waiting;
  }

  /**
   * The client is usable on a master. If it is another master (or the same one named again after a
   * failover) than the one the last writes went to, what this instance wrote recently may not have
   * reached it: invalidate those keys there first.
   */
  private onUsable(master: string): void {
    if (this.lastMaster !== undefined && this.lastMaster !== master) {
      const { keys, clear } = this.recent.take();
      if (clear && this.namespace) this.pending.addClear(this.pattern());
      else this.pending.add(keys);
    }
    this.lastMaster = master;
    this.pending.replay();
    this.dispatcher.drain();
  }

  /** The decoded entry (expiry not checked: Keyv and the cache do), undefined on a miss. */
  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    if (this.pending.has(key)) return Promise.resolve(undefined);
    return this.gets.get(key, this.events.clock()) as Promise<StoredData<Value> | undefined>;
  }

  getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    if (keys.length === 0) return Promise.resolve([]);
    const misses = keys.map(() => undefined);
    return this.read('mget', misses, keys, () => this.client.mgetBuffer(keys)).then((values) => {
      const invalidated = this.pending.size > 0;
      return values.map((raw, index) => (invalidated && this.pending.has(keys[index]!) ? undefined : this.context.codec.decode<Value>(raw)) as StoredData<Value | undefined>);
    });
  }

  /**
   * The live values of `keys` (undefined: a miss or expired), without entry objects: the cache's
   * `mget`. Same order, invalidations and error policy as {@link getMany}.
   */
  getValues(keys: string[]): Promise<unknown[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const misses = keys.map(() => undefined);
    return this.read('mget', misses, keys, () => this.client.mgetBuffer(keys)).then((values) => {
      const invalidated = this.pending.size > 0;
      const now = Date.now();
      const out = new Array<unknown>(values.length);
      for (let i = 0; i < values.length; i += 1) out[i] = invalidated && this.pending.has(keys[i]!) ? undefined : this.context.codec.liveValue(values[i], now);
      return out;
    });
  }

  set(key: string, value: StoreValue, ttl?: number): Promise<boolean> {
    const encoded = this.encode(key, value);
    const px = ttl && ttl > 0 ? Math.ceil(ttl) : 0;
    return this.write('set', false, [key], () => (px ? this.client.set(key, encoded, 'PX', px) : this.client.set(key, encoded))).then(
      (reply) => reply === 'OK',
    );
  }

  setMany(list: Array<{ key: string; value: StoreValue; ttl?: number }>): Promise<void> {
    if (list.length === 0) return Promise.resolve();
    const entries = list.map(({ key, value, ttl }) => ({ key, value: this.encode(key, value), ttl }));
    const keys = entries.map((entry) => entry.key);
    return this.write('mset', undefined, keys, async () => {
      const pipeline = this.client.pipeline();
      for (const { key, value, ttl } of entries) {
        if (ttl && ttl > 0) pipeline.set(key, value, 'PX', Math.ceil(ttl));
        else pipeline.set(key, value);
      }
      throwFirstError(await pipeline.exec());
    });
  }

  delete(key: string): Promise<boolean> {
    return this.write('del', false, [key], () => this.client.del(key)).then((count) => typeof count === 'number' && count > 0);
  }

  deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return Promise.resolve(false);
    return this.write('mdel', false, keys, () => this.client.del(...keys)).then((count) => typeof count === 'number' && count > 0);
  }

  has(key: string): Promise<boolean> {
    if (this.pending.has(key)) return Promise.resolve(false);
    return this.read('has', 0, [key], () => this.client.exists(key)).then((count) => count === 1);
  }

  hasMany(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.read('has', keys.map(() => false), keys, async () => {
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.exists(key);
      return throwFirstError(await pipeline.exec()).map((count, index) => count === 1 && !this.pending.has(keys[index]!));
    });
  }

  /** Deletes this namespace's keys only (SCAN MATCH + UNLINK), never FLUSHDB or KEYS. */
  clear(): Promise<void> {
    const pattern = this.pattern();
    const started = this.events.clock();
    return this.dispatcher.submit('write', null, () => this.unlinkMatching(pattern)).then(
      () => {
        this.events.completed('clear', started);
        this.recent.noteClear();
      },
      (cause: unknown) => {
        this.pending.addClear(pattern);
        return this.failed('clear', undefined, cause, started);
      },
    );
  }

  private async unlinkMatching(pattern: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', CLEAR_BATCH);
      if (keys.length > 0) await this.client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Yields `[key, entry]` for every key of the namespace (Keyv strips the prefix, checks expiry). */
  async *iterator<Value>(namespace?: string): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const pattern = this.pattern(namespace);
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', CLEAR_BATCH);
      const values = keys.length > 0 ? await this.client.mgetBuffer(keys) : [];
      for (const [index, key] of keys.entries()) {
        const entry = this.pending.has(key) ? undefined : this.context.codec.decode(values[index]);
        if (entry !== undefined) yield [key, entry as Awaited<Value>];
      }
      cursor = next;
    } while (cursor !== '0');
  }

  disconnect(): Promise<void> {
    this.dispatcher.close();
    return this.context.close();
  }

  private read<T, F>(operation: StoreOperation, fallback: F, keys: readonly string[], send: () => Promise<T>): Promise<T | F> {
    const started = this.events.clock();
    return this.dispatcher.submit('read', keys, send).then(
      (result) => {
        this.events.completed(operation, started);
        return result;
      },
      (cause: unknown) => this.failed(operation, fallback, cause, started),
    );
  }

  /**
   * A write: acknowledged, its keys are remembered for the failover window; failed (dropped or
   * unknown), they are invalidated, so the value from before is never served in its place.
   */
  private write<T, F>(operation: StoreOperation, fallback: F, keys: readonly string[], send: () => Promise<T>): Promise<T | F> {
    const started = this.events.clock();
    return this.dispatcher.submit('write', keys, send).then(
      (result) => {
        this.events.completed(operation, started);
        this.recent.note(keys);
        return result;
      },
      (cause: unknown): F => {
        this.pending.add(keys);
        return this.failed(operation, fallback, cause, started);
      },
    );
  }

  /** Reports a failure; under fail-open it becomes `fallback`, else the typed error is thrown. */
  private failed<T>(operation: StoreOperation, fallback: T, cause: unknown, started: number): T {
    const error = this.context.reporter.failed(operation, cause);
    this.events.completed(operation, started, error.reason);
    if (!this.context.failOpen) throw error;
    return fallback;
  }

  /** The string to store (an entry encoded), checked against `maxValueSize`. */
  private encode(key: string, value: StoreValue): string {
    const encoded = typeof value === 'string' ? value : this.context.codec.encode(value.value, value.expires);
    const limit = this.context.maxValueSize;
    if (encoded.length * 3 > limit) {
      const size = Buffer.byteLength(encoded);
      if (size > limit) throw new ValueTooLargeError(this.unprefixed(key), size, limit);
    }
    return encoded;
  }

  private unprefixed(key: string): string {
    return this.namespace && key.startsWith(`${this.namespace}:`) ? key.slice(this.namespace.length + 1) : key;
  }

  private pattern(namespace = this.namespace): string {
    // The module rejects namespaces with glob characters, so this matches the namespace and nothing else.
    if (!namespace) throw new Error('RedisSentinelStore.clear() needs a namespace; refusing to delete every key');
    return `${namespace}:*`;
  }
}

function throwFirstError(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error('pipeline was discarded');
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  return results.map(([, value]) => value);
}
