import { type Cache, createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { RedisSentinelConnection } from '../client/redis-sentinel.connection.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { RedisSentinelStore } from '../store/redis-sentinel.store.js';
import { CacheInputGuard } from './cache-input.guard.js';

/**
 * The `CACHE_MANAGER` of the module: cache-manager 7 over Keyv over {@link RedisSentinelStore}, as
 * `@nestjs/cache-manager` builds it for a store, with two additions: every key, ttl and value is
 * checked before anything is sent (typed errors naming the key), and under `onError: 'throw'` reads
 * surface Redis failures too (cache-manager itself turns a failed read into a miss).
 */
export function createRedisSentinelCache(connection: RedisSentinelConnection, options: ResolvedOptions): Cache {
  const failOpen = options.onError === 'fail-open';
  const store = new RedisSentinelStore({
    client: connection.client,
    gate: connection.coordinator.fence,
    reporter: connection.reporter,
    failOpen,
    maxValueSize: options.maxValueSize,
    close: () => connection.close(),
    replayed: (keys, cleared, dropped) =>
      connection.logger.log(
        `Redis is back: replayed ${keys} invalidation(s)${cleared ? ' and a clear()' : ''} that failed while it was unreachable` +
          (dropped ? `; ${dropped} more were over the limit and expire by their ttl` : '') + '.',
      ),
  });
  // The store applies the error policy; Keyv passes its (typed) errors through.
  const keyv = new Keyv({ store, namespace: options.namespace, ttl: options.ttl, throwOnErrors: true });
  const cache = createCache({ stores: [keyv], ttl: options.ttl });
  const guard: CacheInputGuard = new CacheInputGuard(options.maxKeyLength);
  const keys = (list: unknown) => {
    if (!Array.isArray(list)) throw new TypeError('expected an array of keys');
    for (const key of list) guard.key(key);
  };
  return {
    ...cache,
    get: async (key) => {
      guard.key(key);
      return failOpen ? cache.get(key) : keyv.get(key);
    },
    mget: async (list) => {
      keys(list);
      return failOpen ? cache.mget(list) : keyv.getMany(list);
    },
    ttl: async (key) => {
      guard.key(key);
      if (failOpen) return cache.ttl(key);
      return (await keyv.get(key, { raw: true }))?.expires ?? undefined;
    },
    set: async (key, value, ttl) => {
      guard.entry(key, value, ttl);
      return cache.set(key, value, ttl);
    },
    mset: async (list) => {
      if (!Array.isArray(list)) throw new TypeError('expected an array of { key, value, ttl? }');
      for (const { key, value, ttl } of list) guard.entry(key, value, ttl);
      return cache.mset(list);
    },
    del: async (key) => {
      guard.key(key);
      return cache.del(key);
    },
    mdel: async (list) => {
      keys(list);
      return cache.mdel(list);
    },
    wrap: (async (key: string, fn: () => unknown, ttl?: unknown, refreshThreshold?: unknown) => {
      guard.key(key);
      if (typeof ttl === 'number' || ttl === null) guard.ttl(key, ttl ?? undefined);
      const checked = async () => {
        const value = await fn();
        guard.value(key, value);
        return value;
      };
      return (cache.wrap as (...args: unknown[]) => Promise<unknown>)(key, checked, ttl, refreshThreshold);
    }) as Cache['wrap'],
  };
}
