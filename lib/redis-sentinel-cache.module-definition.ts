import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import type {
  RedisSentinelCacheModuleExtras,
  RedisSentinelCacheModuleOptions,
} from './interfaces/redis-sentinel-cache-options.interface.js';
import { REDIS_SENTINEL_CACHE_OPTIONS } from './redis-sentinel-cache.constants.js';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RedisSentinelCacheModuleOptions>({
  moduleName: 'RedisSentinelCache',
  optionsInjectionToken: REDIS_SENTINEL_CACHE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createRedisSentinelCacheOptions')
  .setExtras<RedisSentinelCacheModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** Implement this to pass options with `forRootAsync({ useClass })` or `{ useExisting }`. */
export interface RedisSentinelCacheOptionsFactory {
  createRedisSentinelCacheOptions(): RedisSentinelCacheModuleOptions | Promise<RedisSentinelCacheModuleOptions>;
}

/** Options of `RedisSentinelCacheModule.forRoot()`: the module options plus `isGlobal`. */
export type RedisSentinelCacheModuleForRootOptions = typeof OPTIONS_TYPE;
/**
 * Options of `RedisSentinelCacheModule.forRootAsync()`: `useFactory`/`useClass`/`useExisting`, `imports`,
 * `inject`, `isGlobal`, and `extraProviders` (as in `CacheModule.registerAsync`).
 */
export type RedisSentinelCacheModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE & {
  /**
   * Providers added to the module, e.g. what `inject` names when it is not exported by an imported
   * module. They are not exported. @default []
   */
  extraProviders?: Provider[];
};
