import { Module } from '@nestjs/common';
import { Cache, CACHE_MANAGER } from '@nestjs/cache-manager';
import { ConfigurableModuleClass } from './redis-sentinel-cache.module-definition.js';
import { REDIS_SENTINEL_CLIENT, REDIS_SENTINEL_CONNECTION } from './redis-sentinel-cache.constants.js';
import { redisSentinelCacheProviders } from './redis-sentinel-cache.providers.js';

/**
 * A Nest cache over Redis Sentinel that survives a master failover. Provides `CACHE_MANAGER` / `Cache`
 * exactly as `@nestjs/cache-manager`'s `CacheModule` does (so `CacheInterceptor`, `@CacheKey`,
 * `@CacheTTL` work unchanged) and the ioredis client (`@InjectRedisSentinelClient()`).
 *
 * @example
 * RedisSentinelCacheModule.forRoot({ sentinels: [{ host: '10.0.0.1', port: 26379 }], name: 'primary', isGlobal: true })
 */
@Module({
  providers: redisSentinelCacheProviders,
  exports: [CACHE_MANAGER, Cache, REDIS_SENTINEL_CLIENT, REDIS_SENTINEL_CONNECTION],
})
export class RedisSentinelCacheModule extends ConfigurableModuleClass {}
