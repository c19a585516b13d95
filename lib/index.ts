export { RedisSentinelCacheModule } from './redis-sentinel-cache.module.js';
export type {
  RedisSentinelCacheModuleAsyncOptions,
  RedisSentinelCacheModuleForRootOptions,
  RedisSentinelCacheOptionsFactory,
} from './redis-sentinel-cache.module-definition.js';
export {
  REDIS_SENTINEL_CACHE_OPTIONS,
  REDIS_SENTINEL_CLIENT,
} from './redis-sentinel-cache.constants.js';
export { InjectRedisSentinelClient } from './redis-sentinel-cache.decorators.js';
export type {
  MeterProviderLike,
  MetricsOptions,
  NatMap,
  RedisSentinelCacheModuleExtras,
  RedisSentinelCacheModuleOptions,
  ReservedRedisOption,
  SentinelAddress,
  TlsOptions,
} from './interfaces/redis-sentinel-cache-options.interface.js';
export {
  AuthenticationError,
  CacheUnavailableError,
  InvalidKeyError,
  InvalidOptionError,
  InvalidTtlError,
  InvalidValueError,
  RedisSentinelCacheError,
  RedisSentinelCacheErrorCode,
  UnknownMasterError,
  ValueTooLargeError,
  type UnavailableReason,
} from './errors/redis-sentinel-cache.errors.js';
export type { FailoverRecord } from './interfaces/failover-record.interface.js';
// The Nest cache API, unchanged, for convenience:
export { Cache, CACHE_MANAGER, CacheInterceptor, CacheKey, CacheTTL } from '@nestjs/cache-manager';
