import type { LoggerService } from '@nestjs/common';
import type { RedisSentinelCacheModuleOptions } from '../interfaces/redis-sentinel-cache-options.interface.js';
import { errorMessage } from '../client/redis-errors.js';
import type { CacheEvents } from './cache-events.js';

/**
 * Calls the app's `listeners` (module options) from the cache's events: every failure, every failover
 * followed. A listener runs inside the cache's own code paths (a failed read, the end of a failover):
 * one that throws is logged and otherwise ignored, so it can neither fail a cache call nor leave a
 * rejected promise that takes the process down.
 */
export function forwardToListeners(
  events: CacheEvents,
  listeners: RedisSentinelCacheModuleOptions['listeners'],
  logger: Pick<LoggerService, 'error'>,
): void {
  const guarded = <Argument>(name: string, listener: (argument: Argument) => void) => (argument: Argument) => {
    try {
      listener(argument);
    } catch (error) {
      logger.error(`listeners.${name} threw: ${errorMessage(error)} (ignored; the cache goes on)`);
    }
  };
  const { error, failover } = listeners ?? {};
  if (error) events.on('unavailable', guarded('error', error));
  if (failover) events.on('failover', guarded('failover', failover));
}
