import type { LoggerService } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import type { CacheUnavailableError } from '../errors/redis-sentinel-cache.errors.js';
import type { FailoverRecord } from '../failover/failover-coordinator.js';

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
  /** Bound on one cache command, time in the offline queue included: no call waits longer. @default 1000 */
  commandTimeout?: number;
  /** Bound on one command to a sentinel while resolving the master. @default 500 */
  sentinelCommandTimeout?: number;
  /**
   * Cap of the reconnect backoff (25 ms doubling up to this). Low, so the client adds little to
   * Sentinel's own failover time. @default 250
   */
  maxReconnectDelay?: number;
  /**
   * Follow the sentinels' failover announcements (`+switch-master`) and hold cache writes from the
   * moment a replica is selected for promotion until the client is connected to the new master, so no
   * write is acknowledged by a master that is being demoted. @default true
   */
  failoverDetector?: boolean;
  /**
   * When the sentinels' ACL refuses SUBSCRIBE, the module asks them for the master every this many ms
   * instead (`SENTINEL MASTER`), so the client still leaves a demoted master within about this long of
   * the switch (writes are not held then). @default 500
   */
  sentinelPollInterval?: number;
  /** Longest time a write is held while a failover is in progress; then it is sent anyway. @default 5000 */
  failoverFenceTimeout?: number;
  /**
   * Bound on start-up checks (sentinels reachable, credentials accepted, ACL gaps). The app starts after
   * at most this long even when Redis is unreachable; wrong credentials fail start-up. @default 5000
   */
  startupTimeout?: number;
  /**
   * What a cache operation does when Redis fails (unreachable, timeout, READONLY, ...):
   * `'fail-open'` turns it into a miss (reads) or a logged no-op (writes), and `wrap()` calls the
   * function; `'throw'` rejects with a {@link CacheUnavailableError}. Bad input (keys, values, ttls)
   * is rejected with a typed error under both policies.
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
  /** Where warnings go. @default new Logger('RedisSentinelCache') */
  logger?: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  /**
   * Escape hatch: further ioredis options, applied on top of the module's defaults. Options the module
   * derives itself (sentinels, name, credentials, db, tls, natMap, retry strategies) cannot be set here.
   * @default undefined
   */
  redisOptions?: Omit<RedisOptions, ReservedRedisOption>;
}

/** ioredis options the module derives from its own options or needs for failover safety. */
export type ReservedRedisOption =
  | 'sentinels' | 'name' | 'username' | 'password' | 'sentinelUsername' | 'sentinelPassword' | 'db'
  | 'tls' | 'sentinelTLS' | 'enableTLSForSentinelMode' | 'natMap' | 'retryStrategy'
  | 'sentinelRetryStrategy' | 'reconnectOnError' | 'failoverDetector' | 'Connector' | 'role'
  | 'lazyConnect' | 'host' | 'port' | 'path';

/** Extra options of `forRoot`/`forRootAsync`. */
export interface RedisSentinelCacheModuleExtras {
  /** Register the module globally, as `CacheModule.register({ isGlobal })` does. @default false */
  isGlobal?: boolean;
}
