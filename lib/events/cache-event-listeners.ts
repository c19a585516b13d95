import type { RedisSentinelCacheModuleOptions } from '../interfaces/redis-sentinel-cache-options.interface.js';
import type { CacheEvents } from './cache-events.js';

/** Calls the app's `listeners` (module options) from the cache's events: every failure, every failover followed. */
export function forwardToListeners(events: CacheEvents, listeners: RedisSentinelCacheModuleOptions['listeners']): void {
  const { error, failover } = listeners ?? {};
  if (error) events.on('unavailable', (unavailable) => error(unavailable));
  if (failover) events.on('failover', (record) => failover(record));
}
