import { EventEmitter } from 'node:events';
import type { Cache, Events } from 'cache-manager';
import type { Keyv, StoredDataRaw } from 'keyv';
import { CacheEvents } from '../events/cache-events.js';
import type { RedisSentinelStore } from '../store/redis-sentinel.store.js';
import { isExpired, type CacheEntry } from '../store/value-codec.js';
import type { CacheInputGuard } from './cache-input.guard.js';

type Envelope = CacheEntry;
type TtlOption<T> = number | ((value: T) => number) | undefined;
type WrapOptions<T> = { ttl?: TtlOption<T>; refreshThreshold?: TtlOption<T>; raw?: boolean };

/** cache-manager labels its first store `primary`; events carry it. */
const STORE = 'primary';

function resolve<T>(option: TtlOption<T>, value: T): number | undefined {
  return typeof option === 'function' ? option(value) : option;
}

/**
 * The `CACHE_MANAGER` the module provides: cache-manager 7's API and events over one Keyv store, with
 * a direct path to {@link RedisSentinelStore}. Each call reaches the store in the same tick it is made
 * (cache-manager and Keyv await a serializer before a write but not before a read, so `set(k); get(k)`
 * would reach Redis as GET, SET). The store encodes values itself (see ValueCodec: strings as they
 * are, no JSON envelope) and still reads Keyv's envelope of earlier releases; Keyv (`cache.stores[0]`,
 * built without a serializer) goes through the same store. Keyv's hooks and stats see every call.
 */
export class RedisSentinelCache implements Cache {
  readonly stores: Keyv[];
  private readonly events = new EventEmitter();
  private readonly wrapping = new Map<string, Promise<unknown>>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly id = Math.random().toString(36).slice(2);

  constructor(
    private readonly keyv: Keyv,
    private readonly store: RedisSentinelStore,
    private readonly guard: CacheInputGuard,
    private readonly defaults: { ttl?: number; failOpen: boolean },
    /** Hits and misses are reported here (metrics). */
    private readonly reports = new CacheEvents(),
  ) {
    this.stores = [keyv];
  }

  /** Keyv's key: `<namespace>:<key>`, unless the key already starts with that prefix (Keyv 5's rule). */
  private prefixed(key: string): string {
    const namespace = this.keyv.namespace;
    return !namespace || key.startsWith(`${namespace}:`) ? key : `${namespace}:${key}`;
  }

  /** The store's entry, unless it has expired (Redis drops it a little later at most). */
  private live(entry: Envelope | undefined): Envelope | undefined {
    return entry === undefined || isExpired(entry) ? undefined : entry;
  }

  private entry(value: unknown, ttl: number | undefined): Envelope {
    return { value, expires: ttl ? Date.now() + ttl : undefined };
  }

  /** `ttl` as cache-manager and Keyv resolve it: the call's, else the default; 0 means none. */
  private ttlOf(ttl: number | undefined): number | undefined {
    const resolved = ttl ?? this.defaults.ttl;
    return resolved === 0 ? undefined : resolved;
  }

  // The hot paths (getRaw, get, mget, set) are promise chains rather than async functions: fewer
  // promise hops per call; errors, including synchronous ones, still come back as rejections.

  private getRaw(key: string): Promise<Envelope | undefined> {
    let prefixed: string;
    let stored: Promise<unknown>;
    try {
      this.guard.key(key);
      prefixed = this.prefixed(key);
      this.keyv.hooks.trigger('preGet', { key: prefixed });
      stored = this.store.get(prefixed);
    } catch (error) {
      return Promise.reject(error);
    }
    return stored.then((entry) => {
      const data = this.live(entry as Envelope | undefined);
      this.keyv.hooks.trigger('postGet', { key: prefixed, value: data });
      if (data) this.keyv.stats.hit();
      else this.keyv.stats.miss();
      this.reports.looked(data !== undefined);
      return data;
    });
  }

  get = <T>(key: string): Promise<T | undefined> =>
    this.getRaw(key).then(
      (data) => {
        if (data === undefined) return undefined;
        this.events.emit('get', { key, value: data.value, store: STORE });
        return data.value as T;
      },
      (error: unknown) => {
        this.events.emit('get', { key, error, store: STORE });
        throw error;
      },
    );

  mget = <T>(keys: string[]): Promise<Array<T | undefined>> => {
    let stored: Promise<unknown[]>;
    try {
      if (!Array.isArray(keys)) throw new TypeError('expected an array of keys');
      for (const key of keys) this.guard.key(key);
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      stored = this.store.getValues(keys.map((key) => this.prefixed(key)));
    } catch (error) {
      stored = Promise.reject(error);
    }
    return stored.then(
      (raw) => {
        const values = raw as Array<T | undefined>;
        this.reports.lookedMany(values);
        this.events.emit('mget', { keys, values });
        return values;
      },
      (error: unknown) => {
        this.events.emit('mget', { keys, error });
        throw error;
      },
    );
  };

  ttl = async (key: string): Promise<number | undefined> => {
    const data = await this.getRaw(key);
    if (data === undefined) return undefined;
    this.events.emit('ttl', { key, value: data });
    return data.expires ?? undefined;
  };

  set = <T>(key: string, value: T, ttl?: number): Promise<T> => {
    let effective: number | undefined;
    let prefixed: string;
    try {
      this.guard.entry(key, value, ttl);
      effective = this.ttlOf(ttl);
      prefixed = this.prefixed(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const failed = (error: unknown): never => {
      this.events.emit('set', { key, value, error });
      throw error;
    };
    let entry: Envelope;
    let written: Promise<unknown>;
    try {
      this.keyv.hooks.trigger('preSet', { key, value, ttl: effective });
      entry = this.entry(value, effective);
      written = this.store.set(prefixed, entry, effective);
    } catch (error) {
      return Promise.reject(error).catch(failed);
    }
    return written.then(() => {
      try {
        this.keyv.hooks.trigger('postSet', { key: prefixed, value: entry, ttl });
        this.keyv.stats.set();
      } catch (error) {
        failed(error);
      }
      this.events.emit('set', { key, value, store: STORE });
      this.events.emit('set', { key, value });
      return value;
    }, failed);
  };

  mset = async <T>(list: Array<{ key: string; value: T; ttl?: number }>): Promise<Array<{ key: string; value: T; ttl?: number }>> => {
    if (!Array.isArray(list)) throw new TypeError('expected an array of { key, value, ttl? }');
    for (const { key, value, ttl } of list) this.guard.entry(key, value, ttl);
    const entries = list.map(({ key, value, ttl }) => ({ key, value, ttl: ttl ?? this.defaults.ttl }));
    try {
      await this.store.setMany(
        entries.map(({ key, value, ttl }) => {
          const effective = ttl === 0 ? undefined : ttl;
          return { key: this.prefixed(key), value: this.entry(value, effective), ttl: effective };
        }),
      );
    } catch (error) {
      this.events.emit('mset', { list: entries, error });
      throw error;
    }
    this.events.emit('mset', { list: entries });
    return entries;
  };

  del = async (key: string): Promise<boolean> => {
    this.guard.key(key);
    const prefixed = this.prefixed(key);
    try {
      this.keyv.hooks.trigger('preDelete', { key: prefixed });
      await this.store.delete(prefixed);
      this.keyv.hooks.trigger('postDelete', { key: prefixed, value: true });
      this.keyv.stats.delete();
    } catch (error) {
      this.events.emit('del', { key, error });
      throw error;
    }
    this.events.emit('del', { key });
    return true;
  };

  mdel = async (keys: string[]): Promise<boolean> => {
    if (!Array.isArray(keys)) throw new TypeError('expected an array of keys');
    for (const key of keys) this.guard.key(key);
    try {
      await this.store.deleteMany(keys.map((key) => this.prefixed(key)));
    } catch (error) {
      this.events.emit('mdel', { keys, error });
      throw error;
    }
    this.events.emit('mdel', { keys });
    return true;
  };

  clear = async (): Promise<boolean> => {
    try {
      await this.store.clear();
    } catch (error) {
      this.events.emit('clear', error);
      throw error;
    }
    this.events.emit('clear');
    return true;
  };

  /**
   * cache-manager's `wrap`: concurrent calls for one key share one run; a hit within
   * `refreshThreshold` of its expiry returns the cached value and refreshes it in the background,
   * once (concurrent hits share the refresh until its write has been sent).
   */
  wrap = (async <T>(key: string, fnc: () => T | Promise<T>, ttlOrOptions?: TtlOption<T> | WrapOptions<T>, refreshThreshold?: TtlOption<T>) => {
    this.guard.key(key);
    const options: WrapOptions<T> =
      typeof ttlOrOptions === 'object' && ttlOrOptions !== null ? ttlOrOptions : { ttl: ttlOrOptions, refreshThreshold };
    if (typeof options.ttl === 'number') this.guard.ttl(key, options.ttl);
    const ttlFor = (value: T) => resolve(options.ttl, value) ?? this.defaults.ttl;
    const compute = async () => {
      const value = await fnc();
      this.guard.value(key, value);
      return value;
    };
    return this.once(this.wrapping, key, async () => {
      const data = await this.getRaw(key).catch((error: unknown) => {
        if (!this.defaults.failOpen) throw error;
        return undefined;
      });
      if (data === undefined) {
        const value = await compute();
        const ttl = ttlFor(value);
        await this.set(key, value, ttl);
        return options.raw ? { value, expires: ttl ? Date.now() + ttl : undefined } : value;
      }
      const value = data.value as T;
      const remaining = typeof data.expires === 'number' ? Math.max(0, data.expires - Date.now()) : undefined;
      const threshold = resolve(options.refreshThreshold, value);
      if (remaining !== undefined && threshold !== undefined && remaining < threshold) {
        void this.once(this.refreshing, key, async () => {
          try {
            const fresh = await compute();
            await this.set(key, fresh, ttlFor(fresh));
            this.events.emit('refresh', { key, value: fresh });
          } catch (error) {
            this.events.emit('refresh', { key, value, error });
          }
        });
      }
      return options.raw ? (data as StoredDataRaw<T>) : value;
    });
  }) as Cache['wrap'];

  /** Runs `run` unless a run for `key` is under way, in which case its promise is shared. */
  private once<R>(runs: Map<string, Promise<R>>, key: string, run: () => Promise<R>): Promise<R> {
    const running = runs.get(key);
    if (running) return running;
    const started = run().finally(() => runs.delete(key));
    runs.set(key, started);
    return started;
  }

  on = <E extends keyof Events>(event: E, listener: Events[E]): EventEmitter => this.events.on(event, listener);
  off = <E extends keyof Events>(event: E, listener: Events[E]): EventEmitter => this.events.off(event, listener);

  disconnect = async (): Promise<undefined> => {
    await this.store.disconnect();
    return undefined;
  };

  cacheId = (): string => this.id;
}
