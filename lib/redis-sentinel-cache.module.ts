import { type DynamicModule, Module } from '@nestjs/common';
import { Cache, CACHE_MANAGER } from '@nestjs/cache-manager';
import { ConfigurableModuleClass, type RedisSentinelCacheModuleAsyncOptions } from './redis-sentinel-cache.module-definition.js';
import {
  REDIS_SENTINEL_CACHE_OPTIONS,
  REDIS_SENTINEL_CLIENT,
  REDIS_SENTINEL_CONNECTION,
} from './redis-sentinel-cache.constants.js';
import { redisSentinelCacheProviders } from './redis-sentinel-cache.providers.js';

/**
 * A Nest cache over Redis Sentinel that survives a master failover. Provides `CACHE_MANAGER` / `Cache`
 * exactly as `@nestjs/cache-manager`'s `CacheModule` does (so `CacheInterceptor`, `@CacheKey`,
 * `@CacheTTL` work unchanged), the ioredis client (`@InjectRedisSentinelClient()`) and the options as
 * passed (`REDIS_SENTINEL_CACHE_OPTIONS`).
 *
 * @example
 * RedisSentinelCacheModule.forRoot({ sentinels: [{ host: '10.0.0.1', port: 26379 }], name: 'primary', isGlobal: true })
 */
@Module({
  providers: redisSentinelCacheProviders,
  exports: [CACHE_MANAGER, Cache, REDIS_SENTINEL_CLIENT, REDIS_SENTINEL_CONNECTION, REDIS_SENTINEL_CACHE_OPTIONS],
})
export class RedisSentinelCacheModule extends ConfigurableModuleClass {
  /**
   * Options from a factory, a class or an existing provider (`useFactory`/`useClass`/`useExisting`),
   * with `imports`, `inject`, `isGlobal` and `extraProviders` as in `CacheModule.registerAsync`.
   */
  static override forRootAsync(options: RedisSentinelCacheModuleAsyncOptions): DynamicModule {
    const { extraProviders = [], ...asyncOptions } = options;
    const definition = super.forRootAsync(asyncOptions);
    return { ...definition, providers: [...(definition.providers ?? []), ...extraProviders] };
  }
}
