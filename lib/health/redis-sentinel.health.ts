import { performance } from 'node:perf_hooks';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult, type HealthIndicatorStatus } from '@nestjs/terminus';
import type { RedisSentinelConnection } from '../connection/redis-sentinel.connection.js';
import { REDIS_SENTINEL_CONNECTION } from '../redis-sentinel-cache.constants.js';
import type { HealthFacts } from './health-facts.types.js';
import { errorMessage } from '../client/redis-errors.js';
import { judge } from './health-verdict.js';
import { sameNodeMatcher } from './node-address.matcher.js';
import { NodeProbe } from './node-probe.js';
import { redactSecrets } from './redact-secrets.js';
import type {
  RedisSentinelHealthCheckOptions,
  RedisSentinelHealthDetails,
} from './redis-sentinel-health.types.js';
import { SentinelProbePool } from './sentinel-probe.pool.js';
import { reportDegraded } from './terminus-session.js';

const DEFAULT_TIMEOUT_MS = 1_000;

/**
 * The indicator's result: `{ [key]: { status, ...RedisSentinelHealthDetails } }`. `status` is the
 * installed Terminus's `HealthIndicatorStatus` (`'up' | 'down'` in Terminus 11, plus `'degraded'` in 12).
 */
export type RedisSentinelHealthResult<Key extends string = string> = HealthIndicatorResult<
  Key,
  HealthIndicatorStatus,
  Partial<RedisSentinelHealthDetails>
>;

function validTimeout(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(value, 2 ** 31 - 1) : fallback;
}

/**
 * Terminus (11 or 12) health indicator of the Redis Sentinel cache: reports the master the sentinels name, the
 * node the app's client is actually connected to and its role, PING latency through that client, and
 * the sentinels' reachability and agreement. `down` (503 through `HealthCheckService`) when the app
 * cannot serve correctly from Redis; `up` with `degraded: true` and `warnings` when only the sentinels
 * are impaired. Never throws; never waits longer than `timeout`.
 *
 * @example
 * \@Module({ imports: [TerminusModule, RedisSentinelCacheModule.forRoot({...})], controllers: [HealthController],
 *   providers: [RedisSentinelHealthIndicator] })
 * // in HealthController:
 * \@Get() \@HealthCheck() check() { return this.health.check([() => this.redis.isHealthy('redis')]); }
 */
@Injectable()
export class RedisSentinelHealthIndicator implements OnApplicationShutdown {
  private readonly sentinelProbes: SentinelProbePool;
  private readonly nodeProbe: NodeProbe;

  constructor(
    @Inject(HealthIndicatorService) private readonly healthIndicatorService: HealthIndicatorService,
    @Inject(REDIS_SENTINEL_CONNECTION) private readonly connection: RedisSentinelConnection,
  ) {
    this.sentinelProbes = new SentinelProbePool(connection.options);
    this.nodeProbe = new NodeProbe(connection.client);
  }

  /**
   * Checks Redis as the app uses it. Resolves within `timeout` (default 1000 ms) plus scheduling
   * slack, whatever the state of Redis and the sentinels.
   */
  async isHealthy<const Key extends string = 'redis'>(
    key: Key = 'redis' as Key,
    options: RedisSentinelHealthCheckOptions = {},
  ): Promise<RedisSentinelHealthResult<Key>> {
    const session = this.healthIndicatorService.check(key);
    const secrets = [this.connection.options.password, this.connection.options.sentinelPassword];
    try {
      const facts = await this.collect(options);
      const { status, details } = judge(facts.facts, facts.sameNode);
      const safe = redactSecrets(details, secrets);
      if (status === 'down') return session.down(safe);
      if (safe.degraded && options.degradedStatus === 'degraded') return reportDegraded(session, safe, key);
      return session.up(safe);
    } catch (error) {
      return session.down(
        redactSecrets({ reason: 'check-failed' as const, message: `The Redis health check itself failed: ${errorMessage(error)}` }, secrets),
      );
    }
  }

  private async collect(options: RedisSentinelHealthCheckOptions) {
    const resolved = this.connection.options;
    const timeoutMs = validTimeout(options.timeout, DEFAULT_TIMEOUT_MS);
    const sentinelTimeoutMs = Math.min(timeoutMs, validTimeout(options.sentinelTimeout, resolved.sentinelCommandTimeout));
    const deadline = performance.now() + timeoutMs;
    const [node, sentinels] = await Promise.all([
      this.nodeProbe.probe(timeoutMs),
      Promise.all(resolved.sentinels.map((sentinel) => this.sentinelProbes.ask(sentinel, sentinelTimeoutMs))),
    ]);
    const announced = new Set<string>();
    for (const view of sentinels) {
      if (view.kind !== 'ok') continue;
      if (view.master) announced.add(view.master);
      for (const replica of view.replicas ?? []) announced.add(replica.address);
    }
    // Host names (sentinels with resolve-hostnames) are resolved in whatever time is left.
    const sameNode = await sameNodeMatcher(resolved.natMap, announced, Math.floor(deadline - performance.now()));
    const facts: HealthFacts = {
      name: resolved.name,
      timeoutMs,
      node,
      sentinels,
      failoverInProgress: this.connection.failoverInProgress,
      username: resolved.username,
      sentinelUsername: resolved.sentinelUsername,
    };
    return { facts, sameNode };
  }

  /** Closes the sentinel connections the checks keep open. */
  onApplicationShutdown(): void {
    this.sentinelProbes.close();
  }
}
