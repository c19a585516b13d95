import type { Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { RedisSentinelConnection } from '../connection/redis-sentinel.connection.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { RedisSentinelStore } from '../store/redis-sentinel.store.js';
import { ValueCodec } from '../store/value-codec.js';
import { CacheInputGuard } from './cache-input.guard.js';
import { RedisSentinelCache } from './redis-sentinel-cache.js';

/**
 * The `CACHE_MANAGER` of the module: cache-manager 7's API over Keyv over {@link RedisSentinelStore},
 * as `@nestjs/cache-manager` builds it for a store, with calls reaching Redis in the order they are
 * made, every key, ttl and value checked before anything is sent (typed errors naming the key), and,
 * under `onError: 'throw'`, read failures surfaced too (cache-manager turns them into misses).
 */
export function createRedisSentinelCache(connection: RedisSentinelConnection, options: ResolvedOptions): Cache {
  const failOpen = options.onError === 'fail-open';
  // Keyv's default serializer (@keyv/serialize) encodes non-string values and reads earlier releases' envelope.
  const serializer = new Keyv();
  const codec = new ValueCodec(serializer.serialize as (data: unknown) => string, serializer.deserialize as (text: string) => unknown);
  const store = new RedisSentinelStore({
    client: connection.client,
    master: connection.tracker,
    reporter: connection.reporter,
    failOpen,
    maxValueSize: options.maxValueSize,
    commandTimeout: options.commandTimeout,
    recentWritesWindow: options.recentWritesWindow,
    maxRecentWrites: options.maxRecentWrites,
    maxPendingInvalidations: options.maxPendingInvalidations,
    codec,
    warn: (message) => connection.logger.warn(message),
    close: () => connection.close(),
    events: connection.events,
  });
  connection.observeStore(store);
  // The store applies the error policy; Keyv passes its (typed) errors through.
  // The store encodes values itself: Keyv without a serializer hands it `{ value, expires }`.
  const keyv = new Keyv({ store, namespace: options.namespace, ttl: options.ttl, throwOnErrors: true, serialize: undefined, deserialize: undefined });
  return new RedisSentinelCache(keyv, store, new CacheInputGuard(options.maxKeyLength), { ttl: options.ttl, failOpen }, connection.events);
}
