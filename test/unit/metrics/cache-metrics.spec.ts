import { CacheUnavailableError } from '../../../lib/errors/redis-sentinel-cache.errors.js';
import { CacheEvents } from '../../../lib/events/cache-events.js';
import { CacheMetrics, METRIC_PREFIX, type ConnectionState } from '../../../lib/metrics/cache-metrics.js';
import { METER_NAME } from '../../../lib/metrics/meter-source.js';
import { MetricCollector } from '../../helpers/metric-collector.js';

const name = (suffix: string) => `${METRIC_PREFIX}.${suffix}`;
const DURATION = 'db.client.operation.duration';

function recorder() {
  const collector = new MetricCollector();
  const events = new CacheEvents();
  let state: ConnectionState = 'usable';
  const metrics = new CacheMetrics(collector.provider.getMeter(METER_NAME), events, { namespace: 'ns', db: 2 }, () => state);
  return { collector, events, metrics, setState: (next: ConnectionState) => (state = next) };
}

const failover = (reconnectMs: number) => ({
  name: 'primary', from: '10.0.0.1:6379', to: '10.0.0.2:6379', detectedBy: 'sentinel-event' as const, reconnectMs, fencedMs: 900, heldWrites: 3,
});

describe('CacheMetrics', () => {
  it('counts hits and misses per namespace, single and multi-key', async () => {
    const { collector, events } = recorder();
    events.looked(true);
    events.looked(true);
    events.looked(false);
    events.lookedMany(['a', undefined, 'b', undefined, undefined]);
    const snapshot = await collector.collect();
    expect(snapshot.sum(name('hits'), { 'cache.namespace': 'ns' })).toBe(4);
    expect(snapshot.sum(name('misses'), { 'cache.namespace': 'ns' })).toBe(4);
    expect(snapshot.unit(name('hits'))).toBe('{hit}');
    await collector.shutdown();
  });

  it('records operation durations in seconds with the semantic conventions\' attributes, error.type on failure', async () => {
    const { collector, events } = recorder();
    const started = performance.now() - 5; // 5 ms ago
    events.emit('operation', 'get', started, undefined);
    events.emit('operation', 'mget', started, undefined);
    events.emit('operation', 'clear', started, undefined);
    events.emit('operation', 'set', started, 'timeout');
    const snapshot = await collector.collect();
    expect(snapshot.unit(DURATION)).toBe('s');
    const base = { 'db.system.name': 'redis', 'db.namespace': '2', 'cache.namespace': 'ns' };
    expect(snapshot.count(DURATION, { ...base, 'db.operation.name': 'GET' })).toBe(1);
    expect(snapshot.count(DURATION, { ...base, 'db.operation.name': 'MGET' })).toBe(1);
    expect(snapshot.count(DURATION, { ...base, 'db.operation.name': 'UNLINK' })).toBe(1);
    expect(snapshot.count(DURATION, { ...base, 'db.operation.name': 'SET', 'error.type': 'timeout' })).toBe(1);
    expect(snapshot.points(DURATION, { 'db.operation.name': 'GET' })[0]!.attributes['error.type']).toBeUndefined();
    const seconds = snapshot.total(DURATION, { 'db.operation.name': 'GET' });
    expect(seconds).toBeGreaterThanOrEqual(0.004);
    expect(seconds).toBeLessThan(1);
    await collector.shutdown();
  });

  it('counts errors by reason and operation', async () => {
    const { collector, events } = recorder();
    events.emit('unavailable', new CacheUnavailableError('get', 'timeout', 'x'));
    events.emit('unavailable', new CacheUnavailableError('get', 'timeout', 'x'));
    events.emit('unavailable', new CacheUnavailableError('set', 'readonly', 'x'));
    const snapshot = await collector.collect();
    expect(snapshot.sum(name('errors'), { reason: 'timeout', 'db.operation.name': 'GET', 'cache.namespace': 'ns' })).toBe(2);
    expect(snapshot.sum(name('errors'), { reason: 'readonly', 'db.operation.name': 'SET' })).toBe(1);
    expect(snapshot.sum(name('errors'))).toBe(3);
    await collector.shutdown();
  });

  it('a failover: counted, its reconnect time, then the time from the switch to the first acknowledged write, once', async () => {
    const { collector, events } = recorder();
    events.emit('fenceLowered', { heldMs: 900, writes: 3 });
    events.emit('failover', failover(40));
    events.emit('operation', 'get', performance.now(), undefined); // a read is not a write
    events.emit('operation', 'set', performance.now(), 'timeout'); // nor a failed write
    await new Promise((resolve) => setTimeout(resolve, 20));
    events.emit('operation', 'set', performance.now(), undefined);
    events.emit('operation', 'del', performance.now(), undefined); // the second write: not recorded
    const snapshot = await collector.collect();
    expect(snapshot.sum(name('failovers'), { detected_by: 'sentinel-event' })).toBe(1);
    expect(snapshot.count(name('failover.reconnect.duration'))).toBe(1);
    expect(snapshot.total(name('failover.reconnect.duration'))).toBeCloseTo(0.04, 5);
    expect(snapshot.count(name('failover.switch_to_first_write.duration'))).toBe(1);
    expect(snapshot.total(name('failover.switch_to_first_write.duration'))).toBeGreaterThanOrEqual(0.055);
    expect(snapshot.count(name('write_fence.duration'))).toBe(1);
    expect(snapshot.total(name('write_fence.duration'))).toBeCloseTo(0.9, 5);
    expect(snapshot.sum(name('write_fence.held_writes'))).toBe(3);
    await collector.shutdown();
  });

  it('counts fence timeouts', async () => {
    const { collector, events } = recorder();
    events.emit('fenceTimeout', { heldMs: 5000, reasons: ['replica connection lost'], resumeOn: '10.0.0.1:6379' });
    expect((await collector.collect()).sum(name('write_fence.timeouts'))).toBe(1);
    await collector.shutdown();
  });

  it('observes the connection state and the pending invalidations when collected', async () => {
    const { collector, metrics, setState } = recorder();
    let pending = 0;
    metrics.observePending(() => pending);
    let snapshot = await collector.collect();
    expect(snapshot.sum(name('connection.state'), { state: 'usable' })).toBe(1);
    expect(snapshot.sum(name('connection.state'), { state: 'fenced' })).toBe(0);
    expect(snapshot.sum(name('pending_invalidations'))).toBe(0);
    setState('fenced');
    pending = 7;
    snapshot = await collector.collect();
    expect(snapshot.sum(name('connection.state'), { state: 'usable' })).toBe(0);
    expect(snapshot.sum(name('connection.state'), { state: 'fenced' })).toBe(1);
    expect(snapshot.sum(name('pending_invalidations'), { 'cache.namespace': 'ns' })).toBe(7);
    await collector.shutdown();
  });

  it('close() unsubscribes and stops observing', async () => {
    const { collector, events, metrics } = recorder();
    metrics.close();
    expect(events.listenerCount('operation') + events.listenerCount('lookup') + events.listenerCount('failover')).toBe(0);
    events.looked(true);
    const snapshot = await collector.collect();
    expect(snapshot.sum(name('hits'))).toBe(0);
    expect(snapshot.points(name('connection.state'))).toHaveLength(0);
    await collector.shutdown();
  });
});

describe('CacheEvents hot path', () => {
  it('reads no clock and emits nothing while nobody times operations or counts lookups, and does once someone listens', () => {
    const events = new CacheEvents();
    const seen: unknown[] = [];
    expect(events.clock()).toBe(0);
    events.completed('get', 0);
    events.looked(true);
    events.lookedMany(['a', undefined]);
    const onOperation = (...args: unknown[]) => seen.push(['operation', ...args]);
    const onLookup = (...args: unknown[]) => seen.push(['lookup', ...args]);
    events.on('operation', onOperation);
    events.on('lookup', onLookup);
    const started = events.clock();
    expect(started).toBeGreaterThan(0);
    events.completed('get', started, 'timeout');
    events.looked(false);
    events.lookedMany(['a', undefined, 'b']);
    expect(seen).toEqual([['operation', 'get', started, 'timeout'], ['lookup', 0, 1], ['lookup', 2, 1]]);
    events.off('operation', onOperation);
    events.off('lookup', onLookup);
    expect(events.clock()).toBe(0);
    events.looked(true);
    expect(seen).toHaveLength(3);
  });
});
