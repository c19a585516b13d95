import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AuthenticationError, InvalidOptionError } from '../errors/redis-sentinel-cache.errors.js';
import { FailoverCoordinator } from '../failover/failover-coordinator.js';
import { SentinelEventSubscriber, type SubscriptionReport } from '../failover/sentinel-event-subscriber.js';
import { SWITCH_CHANNEL } from '../failover/sentinel-events.js';
import { SentinelMasterPoller } from '../failover/sentinel-master-poller.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { masterInfoWarning, sentinelListWarning, subscriptionWarning } from './acl-warnings.js';
import { RateLimitedLogger } from './rate-limited-logger.js';
import { CacheErrorReporter } from './cache-error-reporter.js';
import { buildRedisOptions, SENTINEL_RETRY_CAP_MS } from './redis-client.options.js';
import { errorMessage, isAuthError, isPermissionError, isTlsError } from './redis-errors.js';
import { checkSentinels } from './sentinel-check.js';

type Logger_ = NonNullable<ResolvedOptions['logger']>;

function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

/** Resolves after `ms` (never keeps the process alive) with `value`. */
function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}

/**
 * Owns everything the module opens: the ioredis Sentinel client, the sentinel event subscriber and the
 * failover coordinator. Opened once at start-up; closed on application shutdown (every socket, so the
 * process can exit by itself).
 */
export class RedisSentinelConnection implements OnApplicationShutdown {
  private closing: Promise<void> | undefined;
  private readonly warnings = new Set<string>();
  /** Follows failovers by polling when a sentinel refuses the subscription to +switch-master. */
  private poller: SentinelMasterPoller | undefined;
  /** Reports failed cache operations and knows when Redis is unreachable. */
  readonly reporter: CacheErrorReporter;

  private constructor(
    readonly options: ResolvedOptions,
    readonly client: Redis,
    readonly coordinator: FailoverCoordinator,
    readonly subscriber: SentinelEventSubscriber | undefined,
    readonly logger: Logger_,
  ) {
    this.reporter = new CacheErrorReporter(client, coordinator, options, logger);
    const errors = new RateLimitedLogger(logger, options.errorLogInterval);
    client.on('error', (error: Error) => errors.warn(error.name, describeClientError(options.name, error)));
    client.on('end', () => this.revive(errors));
  }

  /**
   * ioredis ends a client for good when a connection attempt is rejected (not just refused by the
   * network); a cache client must never stop trying while the app runs, so it starts again.
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
   * {@link AuthenticationError} on refused credentials and {@link InvalidOptionError} (`tls`,
   * `sentinelTLS`) on a refused TLS handshake; an unreachable Redis only warns.
   */
  static async open(options: ResolvedOptions): Promise<RedisSentinelConnection> {
    const logger = options.logger ?? new Logger('RedisSentinelCache');
    const deadline = Date.now() + options.startupTimeout;
    const answers = await checkSentinels(options, options.startupTimeout);
    const reachable = answers.filter((answer) => answer.kind === 'master');
    if (reachable.length === 0) {
      logger.warn(
        `No sentinel of "${options.name}" is reachable (${answers.map((a) => ('message' in a ? `${a.sentinel}: ${a.message}` : a.sentinel)).join('; ')}); ` +
          `the cache misses until one is.`,
      );
    }
    const canListSentinels = reachable.every((answer) => answer.kind !== 'master' || answer.canListSentinels);
    const coordinator = new FailoverCoordinator(options, logger);
    const subscriber = options.failoverDetector ? new SentinelEventSubscriber(options) : undefined;
    const client = new Redis(buildRedisOptions(options, coordinator, canListSentinels));
    coordinator.attach(client);
    const connection = new RedisSentinelConnection(options, client, coordinator, subscriber, logger);
    if (!canListSentinels) connection.warnOnce(sentinelListWarning(options.sentinelUsername));
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
    const ready = new Promise<'ready'>((resolve) => this.client.once('ready', () => resolve('ready')));
    // connect() rejects on the first failed attempt while ioredis keeps retrying: wait for `ready`.
    this.client.connect().catch(() => undefined);
    const outcome = await Promise.race([
      ready,
      refused,
      after(remaining(deadline), 'timeout' as const),
    ]);
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

  /** Wires the subscriber to the coordinator and waits (bounded) for a first ACL report. */
  private async followFailovers(deadline: number): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber) return;
    subscriber.on('event', (event) => this.coordinator.handle(event));
    const onReport = (report: SubscriptionReport) => {
      const warning = subscriptionWarning(report, this.options.sentinelUsername);
      if (warning) this.warnOnce(warning);
      if (SWITCH_CHANNEL in report.refused && !this.closing) {
        this.poller ??= new SentinelMasterPoller(this.options, (event) => this.coordinator.handle(event));
      }
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
      this.coordinator.close();
      this.subscriber?.close();
      this.poller?.close();
      if (this.client.status === 'ready') {
        await Promise.race([this.client.quit().catch(() => undefined), after(this.options.commandTimeout, undefined)]);
      }
      this.client.disconnect();
      // While resolving through unreachable sentinels, ioredis ends only after its current retry delay.
      if (this.client.status !== 'end') {
        await Promise.race([new Promise((resolve) => this.client.once('end', resolve)), after(SENTINEL_RETRY_CAP_MS + 1_000, undefined)]);
      }
    })();
    return this.closing;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

/** Operator wording for ioredis's errors (its sentinel message also appears when only the master is down). */
function describeClientError(name: string, error: Error): string {
  const message = errorMessage(error);
  if (/All sentinels are unreachable/.test(message)) {
    return `Cannot reach the master of "${name}" through any sentinel (the master may be down or failing over): ${message}`;
  }
  return `Redis client error for "${name}": ${message}`;
}
