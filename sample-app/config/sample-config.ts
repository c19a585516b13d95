import type { RedisSentinelCacheModuleOptions, SentinelAddress } from '../../lib/index.js';

/** Parses `host:port,host:port` (REDIS_SENTINELS) into sentinel addresses. */
export function parseSentinels(value: string): SentinelAddress[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(':');
      return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
    });
}

/**
 * The sample app's cache options from the environment:
 * REDIS_SENTINELS (required here), REDIS_MASTER_NAME (default "primary"), REDIS_USERNAME / REDIS_PASSWORD
 * (the master's ACL user), REDIS_SENTINEL_USERNAME / REDIS_SENTINEL_PASSWORD (the sentinels' ACL user).
 */
export function cacheOptionsFromEnv(env: NodeJS.ProcessEnv): RedisSentinelCacheModuleOptions {
  return {
    sentinels: parseSentinels(env.REDIS_SENTINELS ?? ''),
    name: env.REDIS_MASTER_NAME ?? 'primary',
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    sentinelUsername: env.REDIS_SENTINEL_USERNAME,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
    namespace: env.CACHE_NAMESPACE ?? 'sample',
    ttl: 60_000,
  };
}
