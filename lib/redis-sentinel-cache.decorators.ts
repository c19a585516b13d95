import { Inject } from '@nestjs/common';
import { REDIS_SENTINEL_CLIENT } from './redis-sentinel-cache.constants.js';

/** Injects the module's ioredis Sentinel client (`Redis` from ioredis). */
export const InjectRedisSentinelClient = (): PropertyDecorator & ParameterDecorator => Inject(REDIS_SENTINEL_CLIENT);
