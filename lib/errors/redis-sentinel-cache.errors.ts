/** Stable error codes, for `switch (err.code)` in applications. */
export const RedisSentinelCacheErrorCode = {
  INVALID_OPTION: 'ERR_REDIS_SENTINEL_CACHE_INVALID_OPTION',
  AUTH_FAILED: 'ERR_REDIS_SENTINEL_CACHE_AUTH_FAILED',
  PERMISSION_DENIED: 'ERR_REDIS_SENTINEL_CACHE_PERMISSION_DENIED',
  UNKNOWN_MASTER: 'ERR_REDIS_SENTINEL_CACHE_UNKNOWN_MASTER',
  UNAVAILABLE: 'ERR_REDIS_SENTINEL_CACHE_UNAVAILABLE',
  INVALID_KEY: 'ERR_REDIS_SENTINEL_CACHE_INVALID_KEY',
  INVALID_VALUE: 'ERR_REDIS_SENTINEL_CACHE_INVALID_VALUE',
  VALUE_TOO_LARGE: 'ERR_REDIS_SENTINEL_CACHE_VALUE_TOO_LARGE',
  INVALID_TTL: 'ERR_REDIS_SENTINEL_CACHE_INVALID_TTL',
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

/**
 * An ACL refuses a command the module cannot work without (e.g. resolving the master on the sentinels);
 * `rule` is what to add to the user's ACL line.
 */
export class PermissionDeniedError extends RedisSentinelCacheError {
  constructor(
    readonly target: 'master' | 'sentinel',
    address: string,
    readonly user: string | undefined,
    readonly rule: string,
    serverMessage: string,
  ) {
    super(
      RedisSentinelCacheErrorCode.PERMISSION_DENIED,
      `The ${target} at ${address} refused user "${user ?? 'default'}" a command the cache needs (${serverMessage}); ` +
        `add "${rule}" to that user's ACL line on every ${target === 'sentinel' ? 'sentinel' : 'data node'}.`,
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

/** What went wrong with Redis, in operator words. */
export type UnavailableReason = 'timeout' | 'not-connected' | 'readonly' | 'auth' | 'permission' | 'server-error';

/**
 * A cache operation could not be carried out by Redis. Thrown only with `onError: 'throw'`; with the
 * default `'fail-open'` the operation degrades to a miss or a no-op and this error is only reported.
 */
export class CacheUnavailableError extends RedisSentinelCacheError {
  constructor(
    readonly operation: string,
    readonly reason: UnavailableReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(RedisSentinelCacheErrorCode.UNAVAILABLE, message, options);
  }
}

/** A key that is empty, not a string, or longer than `maxKeyLength`. */
export class InvalidKeyError extends RedisSentinelCacheError {
  constructor(readonly key: unknown, reason: string) {
    super(RedisSentinelCacheErrorCode.INVALID_KEY, `Invalid cache key ${describeKey(key)}: ${reason}`);
  }
}

/** A value the cache cannot store faithfully (see README, "Values"); `path` points inside it. */
export class InvalidValueError extends RedisSentinelCacheError {
  constructor(readonly key: string, readonly path: string, reason: string) {
    super(RedisSentinelCacheErrorCode.INVALID_VALUE, `Cannot cache the value of key ${describeKey(key)}: ${path} ${reason}`);
  }
}

/** A serialized value over `maxValueSize` bytes. */
export class ValueTooLargeError extends RedisSentinelCacheError {
  constructor(readonly key: string, readonly size: number, readonly limit: number) {
    super(
      RedisSentinelCacheErrorCode.VALUE_TOO_LARGE,
      `Cannot cache the value of key ${describeKey(key)}: ${size} bytes serialized, over maxValueSize (${limit})`,
    );
  }
}

/** A ttl that is not a non-negative integer number of milliseconds. */
export class InvalidTtlError extends RedisSentinelCacheError {
  constructor(readonly key: string, readonly ttl: unknown) {
    super(
      RedisSentinelCacheErrorCode.INVALID_TTL,
      `Invalid ttl for key ${describeKey(key)}: ${String(ttl)} (expected a non-negative integer number of ms; 0 = no expiry)`,
    );
  }
}

function describeKey(key: unknown): string {
  if (typeof key !== 'string') return `(${typeof key})`;
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}...` : key);
}
