import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Meter } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { masterInfoWarning, sentinelListWarning, subscriptionWarning } from '../acl/acl-warnings.js';
import { CacheErrorReporter } from '../client/cache-error-reporter.js';
import { RateLimitedLogger } from '../client/rate-limited-logger.js';
import { errorMessage, isAuthError, isPermissionError, isTlsError } from '../client/redis-errors.js';
import { AuthenticationError, InvalidOptionError } from '../errors/redis-sentinel-cache.errors.js';
import { forwardToListeners } from '../events/cache-event-listeners.js';
import { CacheEvents } from '../events/cache-events.js';
import { logFailovers } from '../events/failover-log.js';
import { CacheMetrics, type ConnectionState } from '../metrics/cache-metrics.js';
import { resolveMeter } from '../metrics/meter-source.js';
import { MasterTracker } from '../master/master-tracker.js';
import { formatAddress } from '../client/node-address.js';
import { ReplicaWatch } from '../master/replica-watch.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { checkSentinels } from '../sentinel/sentinel-check.js';
import { SentinelConnections } from '../sentinel/sentinel-connection.js';
import { SentinelEventSubscriber, type SubscriptionReport } from '../sentinel/sentinel-event.subscriber.js';
import { SentinelMasterPoller } from '../sentinel/sentinel-master.poller.js';
import { buildRedisOptions } from './redis-client.options.js';

type Logger_ = NonNullable<ResolvedOptions['logger']>;

function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

/** Resolves after `ms` (never keeps the process alive) with `value`. */
function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}

/**
 * The module's lifecycle: opens, checks and wires everything at start-up, closes every socket on
 * shutdown (so the process can exit by itself). What it opens: the ioredis client, the sentinel
 * connections (poller), the sentinel event subscriber and the replica watch, all feeding the
 * {@link MasterTracker}, which alone decides which master the client uses.
 */
export class RedisSentinelConnection implements OnApplicationShutdown {
  private closing: Promise<void> | undefined;
  private readonly warnings = new Set<string>();
  /** What the cache reports (failures, failovers, hits, operations): log lines, `listeners` and metrics subscribe here. */
  readonly events = new CacheEvents();
  /** Reports failed cache operations in operator words. */
  readonly reporter: CacheErrorReporter;
  private readonly metrics: CacheMetrics | undefined;

  private constructor(
    readonly options: ResolvedOptions,
    readonly client: Redis,
    readonly tracker: MasterTracker,
    private readonly sentinels: SentinelConnections,
    readonly subscriber: SentinelEventSubscriber | undefined,
    private readonly watch: ReplicaWatch | undefined,
    readonly logger: Logger_,
    meter: Meter | undefined,
  ) {
    const events = this.events;
    this.reporter = new CacheErrorReporter(
      options,
      logger,
      {
        master: () => (tracker.master ? formatAddress(tracker.master) : undefined),
        failoverInProgress: () => tracker.failoverInProgress,
      },
      events,
    );
    tracker.on('failover', (record) => events.emit('failover', record));
    tracker.on('fenceTimeout', (timeout) => events.emit('fenceTimeout', timeout));
    tracker.on('fence', (raised, record) => {
      if (!raised && record) events.emit('fenceLowered', record);
    });
    // Subscribers in this order: the log lines, the metrics, then the app's listeners (its code last).
    logFailovers(events, options.name, logger);
    this.metrics = meter && new CacheMetrics(meter, events, { namespace: options.namespace, db: options.db }, () => this.connectionState());
    forwardToListeners(events, options.listeners);
    const errors = new RateLimitedLogger(logger, options.errorLogInterval);
    client.on('error', (error: Error) => errors.warn(error.name, `Redis client error for "${options.name}": ${errorMessage(error)}`));
    client.on('end', () => this.revive(errors));
  }

  private connectionState(): ConnectionState {
    if (!this.tracker.readable()) return 'unusable';
    return this.tracker.writable() ? 'usable' : 'fenced';
  }

  /** The store's pending invalidations, for their gauge (when metrics are recorded). */
  observeStore(store: { readonly pendingInvalidations: number }): void {
    this.metrics?.observePending(() => store.pendingInvalidations);
  }

  /** True from the first sign of a failover until the client is usable on the new master (health). */
  get failoverInProgress(): boolean {
    return this.tracker.failoverInProgress;
  }

  /**
   * ioredis ends a client for good when a connection attempt is rejected; a cache client must never
   * stop trying while the app runs, so it starts again.
   */
  private revive(errors: RateLimitedLogger): void {
    if (this.closing) return;
    errors.warn('ended', `The Redis client of "${this.options.name}" stopped reconnecting; starting it again.`);
    setTimeout(() => {
      if (!this.closing && this.client.status === 'end') this.client.connect().catch(() => undefined);
    }, this.options.maxReconnectDelay).unref();
  }

  /**
   * Checks the sentinels, connects, and reports ACL gaps, all within `startupTimeout`. Throws
   * {@link AuthenticationError} on refused credentials, `PermissionDeniedError` when the sentinels
   * refuse resolving the master, and {@link InvalidOptionError} (`tls`, `sentinelTLS`) on a refused TLS
   * handshake; an unreachable Redis only warns.
   */
  static async open(options: ResolvedOptions): Promise<RedisSentinelConnection> {
    const logger = options.logger ?? new Logger('RedisSentinelCache');
    const deadline = Date.now() + options.startupTimeout;
    const [answers, meter] = await Promise.all([checkSentinels(options, options.startupTimeout), resolveMeter(options.metrics)]);
    const reachable = answers.filter((answer) => answer.kind === 'master');
    if (reachable.length === 0) {
      logger.warn(
        `No sentinel of "${options.name}" is reachable (${answers.map((a) => ('message' in a ? `${a.sentinel}: ${a.message}` : a.sentinel)).join('; ')}); ` +
          `the cache misses until one is.`,
      );
    }
    const sentinels = new SentinelConnections(options, options.sentinelCommandTimeout, 'poller');
    const tracker = new MasterTracker(options, logger, new SentinelMasterPoller(options, sentinels));
    const client = new Redis(buildRedisOptions(options, tracker));
    const subscriber = options.failoverDetector ? new SentinelEventSubscriber(options) : undefined;
    const watch = options.failoverDetector && options.watchReplicas ? new ReplicaWatch(options) : undefined;
    tracker.attach(client, () => subscriber?.subscribedEverywhere ?? false);
    const connection = new RedisSentinelConnection(options, client, tracker, sentinels, subscriber, watch, logger, meter);
    if (reachable.some((answer) => answer.kind === 'master' && !answer.canListSentinels)) {
      connection.warnOnce(sentinelListWarning(options.sentinelUsername));
    }
    try {
      await Promise.all([connection.connectMaster(deadline), connection.followFailovers(deadline)]);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  private warnOnce(message: string): void {
    if (this.warnings.has(message)) return;
    this.warnings.add(message);
    this.logger.warn(message);
  }

  /** Connects to the master; fails on refused credentials, warns (and goes on) when it takes too long. */
  private async connectMaster(deadline: number): Promise<void> {
    let refusal: Error | undefined;
    let onError!: (error: Error) => void;
    const refused = new Promise<'refused'>((resolve) => {
      onError = (error) => {
        if (!isAuthError(error) && !isTlsError(error)) return;
        refusal = error;
        resolve('refused');
      };
      this.client.on('error', onError);
    });
    const usable = new Promise<'ready'>((resolve) => this.tracker.once('usable', () => resolve('ready')));
    // connect() rejects on the first failed attempt while ioredis keeps retrying: wait for `usable`.
    this.client.connect().catch(() => undefined);
    const outcome = await Promise.race([usable, refused, after(remaining(deadline), 'timeout' as const)]);
    this.client.off('error', onError);
    if (refusal && isAuthError(refusal)) {
      throw new AuthenticationError('master', `master of "${this.options.name}"`, errorMessage(refusal));
    }
    if (refusal) {
      throw new InvalidOptionError('tls', `the master of "${this.options.name}" failed the TLS handshake: ${errorMessage(refusal)}`);
    }
    if (outcome !== 'ready') {
      this.logger.warn(
        `The master of "${this.options.name}" is not reachable yet (startupTimeout ${this.options.startupTimeout} ms); ` +
          `the app starts and the cache misses until it is.`,
      );
      return;
    }
    await this.client.info('replication').catch((error: unknown) => {
      if (isPermissionError(error)) this.warnOnce(masterInfoWarning(this.options.username));
    });
  }

  /** Wires the subscriber and the replica watch to the tracker and waits (bounded) for a first ACL report. */
  private async followFailovers(deadline: number): Promise<void> {
    const { subscriber, watch, tracker } = this;
    if (watch) {
      watch.on('lost', (replica) => tracker.onReplicaLost(replica));
      tracker.on('replicas', (replicas) => watch.setReplicas(replicas));
      void tracker.refreshReplicas();
    }
    if (!subscriber) return;
    subscriber.on('event', (event, sentinel) => tracker.onSentinelEvent(event, sentinel));
    const onReport = (report: SubscriptionReport) => {
      const warning = subscriptionWarning(report, this.options.sentinelUsername, watch !== undefined);
      if (warning) this.warnOnce(warning);
    };
    const firstReport = new Promise<void>((resolve) =>
      subscriber.once('report', (report) => {
        onReport(report);
        resolve();
      }),
    );
    await Promise.race([firstReport, after(remaining(deadline), undefined)]);
    subscriber.on('report', onReport);
  }

  /** Closes every socket; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.metrics?.close();
      this.tracker.close();
      this.subscriber?.close();
      this.watch?.close();
      this.sentinels.close();
      if (this.client.status === 'ready') {
        await Promise.race([this.client.quit().catch(() => undefined), after(this.options.commandTimeout, undefined)]);
      }
      this.client.disconnect();
      if (this.client.status !== 'end') {
        await Promise.race([new Promise((resolve) => this.client.once('end', resolve)), after(2_000, undefined)]);
      }
    })();
    return this.closing;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
