import type { LoggerService } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import type { CacheUnavailableError } from '../errors/redis-sentinel-cache.errors.js';
import type { FailoverRecord } from './failover-record.interface.js';

/** One sentinel to ask for the master's address. */
export interface SentinelAddress {
  /** Host name or IP address of the sentinel. */
  host: string;
  /** TCP port of the sentinel (Sentinel's usual port is 26379). */
  port: number;
  /** IP family to resolve `host` with (4 or 6); by default the OS decides. @default undefined */
  family?: 4 | 6;
}

/** node:tls connection options, plus PEM files read (and checked) at start-up. */
export interface TlsOptions extends ConnectionOptions {
  /** Path of a PEM CA bundle, read into `ca` at start-up. @default undefined */
  caFile?: string;
  /** Path of a PEM client certificate, read into `cert` at start-up. @default undefined */
  certFile?: string;
  /** Path of a PEM private key, read into `key` at start-up. @default undefined */
  keyFile?: string;
}

/** Maps an address as the sentinels announce it (`"ip:port"`) to one this process can reach. */
export type NatMap =
  | Record<string, { host: string; port: number }>
  | ((key: string) => { host: string; port: number } | null);

/**
 * An OpenTelemetry `MeterProvider` (`@opentelemetry/api`'s interface, e.g. the SDK's `MeterProvider`),
 * typed structurally so the module needs no OpenTelemetry package to compile.
 */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: { schemaUrl?: string }): object;
}

/** Where the cache's OpenTelemetry metrics go (see the README, "Metrics (OpenTelemetry)"). */
export interface MetricsOptions {
  /** `false`: record nothing, and do not load `@opentelemetry/api`. @default true */
  enabled?: boolean;
  /**
   * The provider to create the instruments with. By default the global one of `@opentelemetry/api`
   * (`metrics.getMeterProvider()`, read once at start-up: register it before the app is created),
   * which records nothing unless the app registered one; without `@opentelemetry/api` installed,
   * nothing is recorded. @default metrics.getMeterProvider() of `@opentelemetry/api`
   */
  meterProvider?: MeterProviderLike;
}

/**
 * Options of {@link RedisSentinelCacheModule}. Names follow ioredis's documented Sentinel options.
 * Every duration is in milliseconds.
 */
export interface RedisSentinelCacheModuleOptions {
  /** Sentinels to ask for the current master. Required, at least one. */
  sentinels: SentinelAddress[];
  /** The master group name as the sentinels know it (`sentinel monitor <name> ...`). Required. */
  name: string;
  /** ACL user on the master (and replicas). @default undefined (Redis's `default` user) */
  username?: string;
  /** Password of {@link username} on the master. @default undefined (no AUTH) */
  password?: string;
  /** ACL user on the sentinels; independent of {@link username}. @default undefined (`default` user) */
  sentinelUsername?: string;
  /** Password of {@link sentinelUsername} on the sentinels. @default undefined (no AUTH) */
  sentinelPassword?: string;
  /** Logical database on the master (0-15 on a stock Redis). @default 0 */
  db?: number;
  /**
   * Prefix of every cache key (`<namespace>:<key>`). `clear()` deletes only keys with this prefix.
   * @default 'cache'
   */
  namespace?: string;
  /** Default time to live of an entry in ms; `0` or unset keeps entries until evicted. @default undefined */
  ttl?: number;
  /**
   * TLS for the connections to the master and replicas: node:tls `ConnectionOptions`, or files with
   * `caFile`/`certFile`/`keyFile`. @default undefined (plain TCP)
   */
  tls?: TlsOptions;
  /** TLS for the connections to the sentinels, as {@link tls}. @default undefined (plain TCP) */
  sentinelTLS?: TlsOptions;
  /** Address translation for masters announced behind NAT or inside a container network. @default undefined */
  natMap?: NatMap;
  /** Bound on establishing one TCP (and TLS) connection. @default 2000 */
  connectTimeout?: number;
  /**
   * Bound on one cache call, time spent waiting for a connection or behind the failover fence
   * included: no call waits longer. A write that times out is reported failed and its key is
   * invalidated (it may have been applied). @default 1000
   */
  commandTimeout?: number;
  /** Bound on one command to a sentinel while resolving the master. @default 500 */
  sentinelCommandTimeout?: number;
  /**
   * Cap of the reconnect backoff (25 ms doubling up to this). Low, so the client adds little to
   * Sentinel's own failover time. @default 250
   */
  maxReconnectDelay?: number;
  /**
   * Follow failovers as they happen and hold cache writes from the promotion of a replica until the
   * client is connected to the new master, so no write is acknowledged by a master that is being
   * demoted: the sentinels' events (`+selected-slave`, `+switch-master`, aborts) where their ACL allows
   * SUBSCRIBE, and the replica watch ({@link watchReplicas}) where it does not. `false`: the client
   * still follows the sentinels' answers (on reconnect and by polling), without holding writes.
   * @default true
   */
  failoverDetector?: boolean;
  /**
   * Hold an idle connection (app credentials, `PING` rights) to each replica: Sentinel closes them
   * when it promotes or reconfigures a replica, about a second before `+switch-master`, so writes are
   * held from the promotion even when the sentinels refuse SUBSCRIBE. Needs `failoverDetector`.
   * @default true
   */
  watchReplicas?: boolean;
  /**
   * How often to ask the sentinels for the master (`SENTINEL MASTER`, newest config epoch) while all is
   * quiet; ten times less often while the `+switch-master` subscription is held on every sentinel.
   * While a failover may be in progress they are asked every 20 ms. @default 1000
   */
  sentinelPollInterval?: number;
  /**
   * Longest time the write fence stands while the sentinels name no new master (e.g. a replica restart
   * looked like a promotion and some sentinels are unreachable); then writes resume on the current
   * master. Each held write is still bounded by {@link commandTimeout}. @default 5000
   */
  failoverFenceTimeout?: number;
  /**
   * Keys this instance wrote (acknowledged) within this many ms are deleted on the new master after
   * every failover, before this instance reads them: a master acknowledges a write before its replicas
   * have it, and what the promoted replica had not received would otherwise be served stale. Cover
   * your replication lag plus the time to notice a failover. `0` turns it off. @default 10000
   */
  recentWritesWindow?: number;
  /**
   * Most keys remembered for {@link recentWritesWindow}; when more were written within the window,
   * the next failover clears the namespace instead (every entry misses once). About 100 bytes a key.
   * @default 100000
   */
  maxRecentWrites?: number;
  /**
   * Most keys waiting to be invalidated (failed writes and deletes, keys a failover may have lost);
   * past it the namespace is cleared when Redis is back instead. @default 100000
   */
  maxPendingInvalidations?: number;
  /**
   * Bound on start-up checks (sentinels reachable, credentials accepted, ACL gaps). The app starts after
   * at most this long even when Redis is unreachable; wrong credentials fail start-up. @default 5000
   */
  startupTimeout?: number;
  /**
   * What a cache operation does when Redis fails (unreachable, timeout, READONLY, ...):
   * `'fail-open'` turns it into a miss (reads) or a logged no-op (writes), and `wrap()` calls the
   * function; `'throw'` rejects with a {@link CacheUnavailableError}. Under both, a failed write or
   * delete leaves its key invalidated (read as a miss until Redis has deleted it), never the previous
   * value. Bad input (keys, values, ttls) is rejected with a typed error under both policies.
   * @default 'fail-open'
   */
  onError?: 'fail-open' | 'throw';
  /** Largest serialized value in bytes; a larger one is rejected with `ValueTooLargeError`. @default 4194304 (4 MiB) */
  maxValueSize?: number;
  /** Longest key in characters (before the namespace prefix). @default 1024 */
  maxKeyLength?: number;
  /** At most one log line per kind of failure per this many ms. @default 10000 */
  errorLogInterval?: number;
  /** Callbacks for metrics: every failed operation and every failover the client followed. @default undefined */
  listeners?: {
    error?: (error: CacheUnavailableError) => void;
    failover?: (failover: FailoverRecord) => void;
  };
  /**
   * OpenTelemetry metrics (optional peer `@opentelemetry/api`): operation durations, hits and misses,
   * errors, failovers, write fence. Fed from the same events as the log lines and {@link listeners}.
   * @default { enabled: true } (the global MeterProvider: a no-op unless the app registered one)
   */
  metrics?: MetricsOptions;
  /** Where warnings go. @default new Logger('RedisSentinelCache') */
  logger?: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  /**
   * Escape hatch: further ioredis options, applied on top of the module's defaults. Options the module
   * derives itself or needs for failover safety ({@link ReservedRedisOption}: sentinels, credentials,
   * db, tls, natMap, timeouts, retry and queue behaviour, `keyPrefix`) are refused at start-up, by name.
   * @default undefined
   */
  redisOptions?: Omit<RedisOptions, ReservedRedisOption>;
}

/** ioredis options the module derives from its own options or needs for failover safety. */
export type ReservedRedisOption = (typeof RESERVED_REDIS_OPTIONS)[number];

/**
 * The ioredis options `redisOptions` may not set: derived from the module's options (use those), or
 * fixed for failover safety (`keyPrefix` would also make `clear()` match nothing: use `namespace`).
 */
export const RESERVED_REDIS_OPTIONS = [
  'sentinels', 'name', 'username', 'password', 'sentinelUsername', 'sentinelPassword', 'db', 'tls',
  'sentinelTLS', 'enableTLSForSentinelMode', 'natMap', 'retryStrategy', 'sentinelRetryStrategy',
  'reconnectOnError', 'failoverDetector', 'Connector', 'role', 'lazyConnect', 'host', 'port', 'path',
  'keyPrefix', 'commandTimeout', 'connectTimeout', 'sentinelCommandTimeout', 'maxRetriesPerRequest',
  'updateSentinels', 'enableOfflineQueue', 'autoResendUnfulfilledCommands', 'enableReadyCheck',
  'sentinelMaxConnections', 'preferredSlaves', 'readOnly', 'monitor',
] as const;

/** Extra options of `forRoot`/`forRootAsync`. */
export interface RedisSentinelCacheModuleExtras {
  /** Register the module globally, as `CacheModule.register({ isGlobal })` does. @default false */
  isGlobal?: boolean;
}
