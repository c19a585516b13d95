/**
 * `nestjs-redis-sentinel-cache/health`: the Terminus (11 or 12) health indicator. A separate entry point,
 * so apps without `@nestjs/terminus` can use the main one.
 */
export { RedisSentinelHealthIndicator, type RedisSentinelHealthResult } from './redis-sentinel.health.js';
export type {
  RedisSentinelDownReason,
  RedisSentinelHealthCheckOptions,
  RedisSentinelHealthDetails,
  RedisSentinelsSummary,
} from './redis-sentinel-health.types.js';
