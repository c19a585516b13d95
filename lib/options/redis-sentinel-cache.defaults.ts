/** Defaults of {@link RedisSentinelCacheModuleOptions}; each is documented with `@default` there. */
export const DEFAULTS = {
  db: 0,
  namespace: 'cache',
  connectTimeout: 2_000,
  commandTimeout: 1_000,
  sentinelCommandTimeout: 500,
  maxReconnectDelay: 250,
  failoverDetector: true,
  failoverFenceTimeout: 5_000,
  sentinelPollInterval: 500,
  startupTimeout: 5_000,
  onError: 'fail-open',
  maxValueSize: 4 * 1024 * 1024,
  maxKeyLength: 1_024,
  errorLogInterval: 10_000,
} as const;
