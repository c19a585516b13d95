/**
 * Metrics through OpenTelemetry over a real Sentinel topology: the counts of a known workload and of
 * one planned failover, read with the SDK's MeterProvider and a manual reader, and the same failover
 * seen once by the log, the app's listener and the metrics (one source).
 */
import type { INestApplicationContext } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import type { FailoverRecord } from '../../lib/index.js';
import { METRIC_PREFIX } from '../../lib/metrics/cache-metrics.js';
import { startTopology, type Topology } from '../../scripts/topology/topology.js';
import { MetricCollector, type MetricSnapshot } from '../helpers/metric-collector.js';
import { optionsFor, startCacheContext } from './helpers/cache-app.js';
import type { CaptureLogger } from './helpers/capture-logger.js';
import { waitUntil } from './helpers/timing.js';

const name = (suffix: string) => `${METRIC_PREFIX}.${suffix}`;
const DURATION = 'db.client.operation.duration';
const HITS = 10;
const MISSES = 4;
const KEYS = 3;

describe('metrics (OpenTelemetry) over a real Sentinel topology', () => {
  let topology: Topology;
  let app: INestApplicationContext;
  let cache: Cache;
  let logger: CaptureLogger;
  const collector = new MetricCollector();
  const failovers: FailoverRecord[] = [];

  beforeAll(async () => {
    topology = await startTopology({ acl: 'fixed' });
    ({ app, cache, logger } = await startCacheContext(
      optionsFor(topology, { namespace: 'met', metrics: { meterProvider: collector.provider }, listeners: { failover: (record) => failovers.push(record) } }),
    ));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await collector.shutdown();
    await topology?.stop();
  });

  it(`counts exactly ${HITS} hits and ${MISSES} misses, and times every GET and SET`, async () => {
    for (let i = 0; i < KEYS; i += 1) await cache.set(`k${i}`, { i });
    for (let i = 0; i < HITS; i += 1) expect(await cache.get(`k${i % KEYS}`)).toEqual({ i: i % KEYS });
    for (let i = 0; i < MISSES; i += 1) expect(await cache.get(`absent${i}`)).toBeUndefined();
    expect(await cache.mget(['k0', 'absent0', 'k1'])).toEqual([{ i: 0 }, undefined, { i: 1 }]);

    const snapshot = await collector.collect();
    expect(snapshot.sum(name('hits'), { 'cache.namespace': 'met' })).toBe(HITS + 2);
    expect(snapshot.sum(name('misses'), { 'cache.namespace': 'met' })).toBe(MISSES + 1);
    const db = { 'db.system.name': 'redis', 'db.namespace': '0' };
    expect(snapshot.count(DURATION, { ...db, 'db.operation.name': 'GET' })).toBe(HITS + MISSES);
    expect(snapshot.count(DURATION, { ...db, 'db.operation.name': 'MGET' })).toBe(1);
    expect(snapshot.count(DURATION, { ...db, 'db.operation.name': 'SET' })).toBe(KEYS);
    expect(snapshot.points(DURATION).filter((point) => point.attributes['error.type'] !== undefined)).toEqual([]);
    const meanSeconds = snapshot.total(DURATION, { 'db.operation.name': 'GET' }) / (HITS + MISSES);
    expect(meanSeconds).toBeGreaterThan(0);
    expect(meanSeconds).toBeLessThan(0.5);
    expect(snapshot.sum(name('errors'))).toBe(0);
    expect(snapshot.sum(name('failovers'))).toBe(0);
    expect(snapshot.sum(name('connection.state'), { state: 'usable' })).toBe(1);
    expect(snapshot.sum(name('pending_invalidations'))).toBe(0);
  });

  it('one planned failover: counted once, its fence time and the time to the first write on the new master recorded once', async () => {
    const { to } = await topology.failover();
    await waitUntil(() => failovers.length === 1, 20_000, 'the failover listener');
    expect(failovers[0]!.to).toBe(`${to.host}:${to.port}`);
    let snapshot: MetricSnapshot = await collector.collect();
    expect(snapshot.count(name('failover.switch_to_first_write.duration'))).toBe(0); // no write yet

    await cache.set('after', 'failover');
    expect(await cache.get('after')).toBe('failover');
    await cache.set('again', 'x'); // a second write: not a first write
    snapshot = await collector.collect();
    expect(snapshot.sum(name('failovers'), { 'cache.namespace': 'met' })).toBe(1);
    expect(snapshot.sum(name('failovers'), { detected_by: failovers[0]!.detectedBy })).toBe(1);
    expect(snapshot.count(name('failover.reconnect.duration'))).toBe(1);
    expect(snapshot.total(name('failover.reconnect.duration'))).toBeCloseTo(failovers[0]!.reconnectMs / 1000, 3);
    expect(snapshot.count(name('failover.switch_to_first_write.duration'))).toBe(1);
    expect(snapshot.total(name('failover.switch_to_first_write.duration'))).toBeGreaterThan(0);
    // The fence rose at the promotion and fell on the new master (a lost replica watch may have raised it once more).
    expect(snapshot.count(name('write_fence.duration'))).toBeGreaterThanOrEqual(1);
    expect(snapshot.total(name('write_fence.duration'))).toBeGreaterThanOrEqual(failovers[0]!.fencedMs / 1000 - 0.001);
    expect(snapshot.sum(name('write_fence.timeouts'))).toBe(0);
    expect(snapshot.sum(name('connection.state'), { state: 'usable' })).toBe(1);
    // One source: the log line, the listener and the counter saw the same single failover.
    expect(logger.lines.filter((line) => line.message.startsWith('Failover of "primary": now writing to'))).toHaveLength(1);
    expect(failovers).toHaveLength(1);
  }, 60_000);
});
