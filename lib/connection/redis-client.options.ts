import type { RedisOptions } from 'ioredis';
import { masterConnector } from '../master/master-connector.js';
import type { MasterTracker } from '../master/master-tracker.js';
import type { ResolvedOptions } from '../options/validate-options.js';

/** A write reached a replica: reconnect (the dispatcher sends it again, it was not applied). */
function reconnectOnReadonly(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false;
}

/**
 * The ioredis options of the cache client. It stays a Sentinel client (`sentinels`, `name`, separate
 * sentinel credentials) but connects through {@link masterConnector}: to the master the
 * {@link MasterTracker} names. Failover-safe settings: commands bounded by `commandTimeout` (handshake
 * included), nothing resent on its own after a reconnect (the store's dispatcher decides), READONLY →
 * reconnect, a low-capped reconnect backoff, and no ioredis failover detector.
 */
export function buildRedisOptions(options: ResolvedOptions, tracker: MasterTracker): RedisOptions {
  return {
    // Not reserved, so the escape hatch may override these:
    enableAutoPipelining: false,
    disconnectTimeout: 200,
    ...options.redisOptions,
    sentinels: options.sentinels.map(({ host, port, family }) => ({ host, port, family })),
    name: options.name,
    role: 'master',
    username: options.username,
    password: options.password,
    sentinelUsername: options.sentinelUsername,
    sentinelPassword: options.sentinelPassword,
    db: options.db,
    tls: options.tls,
    enableTLSForSentinelMode: options.tls !== undefined,
    sentinelTLS: options.sentinelTLS,
    Connector: masterConnector(tracker, options.natMap),
    connectTimeout: options.connectTimeout,
    commandTimeout: options.commandTimeout,
    sentinelCommandTimeout: options.sentinelCommandTimeout,
    retryStrategy: tracker.retryStrategy,
    reconnectOnError: reconnectOnReadonly,
    failoverDetector: false,
    updateSentinels: false,
    // commandTimeout bounds every call; a retry count would fail queued commands mid-failover.
    maxRetriesPerRequest: null,
    // A command lost with its connection is not resent by ioredis behind the caller's back.
    autoResendUnfulfilledCommands: false,
    // ioredis's ready check runs INFO, which the seed's app user may not: ioredis then console.warns on
    // every connect, past the module's logger. The tracker's own check (WAIT 0 0: a master that is
    // loading or a replica fails it and is reconnected) decides when the connection is usable.
    enableReadyCheck: false,
    lazyConnect: true,
  };
}
