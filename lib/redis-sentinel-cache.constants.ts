/** Injection token of the module's options, as passed to `forRoot`/`forRootAsync`. */
export const REDIS_SENTINEL_CACHE_OPTIONS = 'nestjs-redis-sentinel-cache:options';
/** Injection token of the validated options with defaults filled in (internal). */
export const REDIS_SENTINEL_CACHE_RESOLVED_OPTIONS = 'nestjs-redis-sentinel-cache:resolved-options';
/** Injection token of the ioredis Sentinel client; see {@link InjectRedisSentinelClient}. */
export const REDIS_SENTINEL_CLIENT = 'nestjs-redis-sentinel-cache:client';
/** Injection token of the connection that owns the client, the sentinel connections and the master tracker. */
export const REDIS_SENTINEL_CONNECTION = 'nestjs-redis-sentinel-cache:connection';
