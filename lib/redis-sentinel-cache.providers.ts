import type { Provider } from '@nestjs/common';
import { Cache, CACHE_MANAGER } from '@nestjs/cache-manager';
import { createRedisSentinelCache } from './cache/redis-sentinel-cache.factory.js';
import { RedisSentinelConnection } from './connection/redis-sentinel.connection.js';
import { validateOptions, type ResolvedOptions } from './options/validate-options.js';
import {
  REDIS_SENTINEL_CACHE_OPTIONS,
  REDIS_SENTINEL_CACHE_RESOLVED_OPTIONS,
  REDIS_SENTINEL_CLIENT,
  REDIS_SENTINEL_CONNECTION,
} from './redis-sentinel-cache.constants.js';

export const redisSentinelCacheProviders: Provider[] = [
  {
    provide: REDIS_SENTINEL_CACHE_RESOLVED_OPTIONS,
    useFactory: validateOptions,
    inject: [REDIS_SENTINEL_CACHE_OPTIONS],
  },
  {
    provide: REDIS_SENTINEL_CONNECTION,
    useFactory: (options: ResolvedOptions) => RedisSentinelConnection.open(options),
    inject: [REDIS_SENTINEL_CACHE_RESOLVED_OPTIONS],
  },
  {
    provide: REDIS_SENTINEL_CLIENT,
    useFactory: (connection: RedisSentinelConnection) => connection.client,
    inject: [REDIS_SENTINEL_CONNECTION],
  },
  {
    provide: CACHE_MANAGER,
    useFactory: createRedisSentinelCache,
    inject: [REDIS_SENTINEL_CONNECTION, REDIS_SENTINEL_CACHE_RESOLVED_OPTIONS],
  },
  { provide: Cache, useExisting: CACHE_MANAGER },
];
