/** Stable error codes, for `switch (err.code)` in applications. */
export const RedisSentinelCacheErrorCode = {
  INVALID_OPTION: 'ERR_REDIS_SENTINEL_CACHE_INVALID_OPTION',
  AUTH_FAILED: 'ERR_REDIS_SENTINEL_CACHE_AUTH_FAILED',
  UNKNOWN_MASTER: 'ERR_REDIS_SENTINEL_CACHE_UNKNOWN_MASTER',
} as const;
export type RedisSentinelCacheErrorCode =
  (typeof RedisSentinelCacheErrorCode)[keyof typeof RedisSentinelCacheErrorCode];

/** Base class of every error this package throws. */
export class RedisSentinelCacheError extends Error {
  constructor(
    readonly code: RedisSentinelCacheErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option is missing or has a value the module cannot use; `option` names it (e.g. `sentinels[1].port`). */
export class InvalidOptionError extends RedisSentinelCacheError {
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(RedisSentinelCacheErrorCode.INVALID_OPTION, `Invalid option "${option}": ${reason}`);
  }
}

/** The master or the sentinels refused the configured credentials. */
export class AuthenticationError extends RedisSentinelCacheError {
  constructor(
    readonly target: 'master' | 'sentinel',
    address: string,
    serverMessage: string,
  ) {
    const options = target === 'master' ? '"username"/"password"' : '"sentinelUsername"/"sentinelPassword"';
    super(
      RedisSentinelCacheErrorCode.AUTH_FAILED,
      `The ${target} at ${address} refused the credentials in ${options}: ${serverMessage}`,
    );
  }
}

/** No reachable sentinel monitors a master group of the configured `name`. */
export class UnknownMasterError extends RedisSentinelCacheError {
  constructor(name: string, sentinels: string[]) {
    super(
      RedisSentinelCacheErrorCode.UNKNOWN_MASTER,
      `Invalid option "name": no sentinel monitors a master named "${name}" (asked ${sentinels.join(', ')})`,
    );
  }
}
