import 'reflect-metadata';
import { metrics } from '@opentelemetry/api';
import { NestFactory } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import { CACHE_MANAGER, RedisSentinelCacheModule, type RedisSentinelCacheModuleOptions } from '../../../lib/index.js';
import type { RedisSentinelConnection } from '../../../lib/connection/redis-sentinel.connection.js';
import { REDIS_SENTINEL_CONNECTION } from '../../../lib/redis-sentinel-cache.constants.js';
import { METRIC_PREFIX } from '../../../lib/metrics/cache-metrics.js';
import { METER_NAME, resolveMeter } from '../../../lib/metrics/meter-source.js';
import { allocatePorts } from '../../../scripts/topology/free-ports.js';
import { CaptureLogger } from '../../e2e/helpers/capture-logger.js';
import { MetricCollector } from '../../helpers/metric-collector.js';

/** The module over a sentinel that is not there: it starts after startupTimeout and every call fails fast (fail-open). */
async function unreachableCache(extra: Partial<RedisSentinelCacheModuleOptions> = {}) {
  const logger = new CaptureLogger();
  const options: RedisSentinelCacheModuleOptions = {
    sentinels: [{ host: '127.0.0.1', port: (await allocatePorts(1))[0]! }], name: 'primary', namespace: 'm',
    startupTimeout: 200, commandTimeout: 50, sentinelCommandTimeout: 50, logger, ...extra,
  };
  const app = await NestFactory.createApplicationContext(RedisSentinelCacheModule.forRoot(options), { logger, abortOnError: false });
  return { app, cache: app.get<Cache>(CACHE_MANAGER), connection: app.get<RedisSentinelConnection>(REDIS_SENTINEL_CONNECTION), logger };
}

async function workload(cache: Cache): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100)); // past commandTimeout without a connection: calls fail at once
  expect(await cache.get('a')).toBeUndefined();
  expect(await cache.mget(['a', 'b'])).toEqual([undefined, undefined]);
  await cache.set('a', 1);
}

describe('metrics option', () => {
  afterEach(() => metrics.disable());

  it('resolveMeter: nothing without a provider (the API\'s no-op), the global one when registered, the given one first, none when disabled', async () => {
    expect(await resolveMeter(undefined)).toBeUndefined();
    const global = new MetricCollector();
    const given = new MetricCollector();
    metrics.setGlobalMeterProvider(global.provider);
    expect(await resolveMeter({})).toBe(global.provider.getMeter(METER_NAME));
    expect(await resolveMeter({ meterProvider: given.provider })).toBe(given.provider.getMeter(METER_NAME));
    let asked = 0;
    expect(await resolveMeter({ enabled: false, meterProvider: { getMeter: () => ({ asked: ++asked }) } })).toBeUndefined();
    expect(asked).toBe(0);
    await Promise.all([global.shutdown(), given.shutdown()]);
  });

  it('without a provider nothing subscribes to the hot-path events, and the cache works (fail-open) without throwing', async () => {
    const { app, cache, connection, logger } = await unreachableCache();
    try {
      await workload(cache);
      expect(connection.events.listenerCount('operation')).toBe(0);
      expect(connection.events.listenerCount('lookup')).toBe(0);
      expect(logger.warnings().some((line) => line.startsWith('Cache get failed: '))).toBe(true); // the log line still comes from the events
    } finally {
      await app.close();
    }
  });

  it('a provider registered after start-up is not used (read once at start-up)', async () => {
    const { app, cache } = await unreachableCache();
    const late = new MetricCollector();
    metrics.setGlobalMeterProvider(late.provider);
    try {
      await workload(cache);
      expect((await late.collect()).names()).toEqual([]);
    } finally {
      await app.close();
      await late.shutdown();
    }
  });

  it('with the global provider, failures are recorded as misses, errors by reason and failed operations', async () => {
    const collector = new MetricCollector();
    metrics.setGlobalMeterProvider(collector.provider);
    const { app, cache } = await unreachableCache();
    try {
      await workload(cache);
      const snapshot = await collector.collect();
      const name = (suffix: string) => `${METRIC_PREFIX}.${suffix}`;
      expect(snapshot.sum(name('misses'), { 'cache.namespace': 'm' })).toBe(3);
      expect(snapshot.sum(name('hits'))).toBe(0);
      expect(snapshot.sum(name('errors'), { reason: 'not-connected' })).toBe(3);
      expect(snapshot.sum(name('errors'), { reason: 'not-connected', 'db.operation.name': 'SET' })).toBe(1);
      expect(snapshot.count('db.client.operation.duration', { 'db.operation.name': 'GET', 'error.type': 'not-connected' })).toBe(1);
      expect(snapshot.count('db.client.operation.duration', { 'db.operation.name': 'MGET', 'error.type': 'not-connected' })).toBe(1);
      expect(snapshot.sum(name('connection.state'), { state: 'unusable' })).toBe(1);
      expect(snapshot.sum(name('pending_invalidations'), { 'cache.namespace': 'm' })).toBe(1); // the failed SET's key
    } finally {
      await app.close();
      await collector.shutdown();
    }
  });
});
