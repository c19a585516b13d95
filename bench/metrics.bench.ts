/**
 * `--only metrics`: what the OpenTelemetry metrics cost on get-hit (100 B, concurrency 1).
 * - A/B in one process, interleaved rounds (order alternating): the module without a MeterProvider
 *   (the default when the app registers none: nothing subscribes) against the module with the SDK's
 *   MeterProvider and a PeriodicExportingMetricReader (1 s, in-memory exporter); raw ioredis beside them.
 * - The calls a get-hit makes into the event source when nobody listens, timed alone in a tight loop,
 *   as a share of a get-hit's time at concurrency 1 (the "nothing costs" budget: ≤ 2 %).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { InMemoryMetricExporter, AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Cache } from 'cache-manager';
import { CACHE_MANAGER, RedisSentinelCacheModule } from '../lib/index.js';
import { CacheEvents } from '../lib/events/cache-events.js';
import { CacheMetrics } from '../lib/metrics/cache-metrics.js';
import { METER_NAME } from '../lib/metrics/meter-source.js';
import type { Topology } from '../scripts/topology/topology.js';
import { moduleOptions, startRawIoredis } from './contenders.js';
import { onCleanup, QuietLogger } from './lifecycle.js';
import { median, round } from './stats.js';
import { payload, runBatch, type BatchResult } from './store.bench.js';

export interface MetricsBenchSettings {
  rounds: number;
  batchMs: number;
  warmupMs: number;
  keyspace: number;
  maxOpsPerBatch: number;
}

export type MetricsContender = 'ioredis' | 'no-provider' | 'sdk-provider';
export const METRICS_CONTENDERS: readonly MetricsContender[] = ['ioredis', 'no-provider', 'sdk-provider'];
export const METRICS_LABELS: Record<MetricsContender, string> = {
  ioredis: 'raw ioredis',
  'no-provider': 'ours, no MeterProvider (default)',
  'sdk-provider': 'ours, SDK MeterProvider + periodic reader',
};
/** The budget for what the metrics cost without a provider. */
export const METRICS_BUDGET = 0.02;
const VALUE_BYTES = 100;
const HOT_PATH_LOOPS = 2_000_000;

export interface MetricsBenchResult {
  settings: MetricsBenchSettings;
  row: { op: 'get-hit'; valueBytes: number; concurrency: 1 };
  contenders: Record<MetricsContender, { opsPerSec: number; p50Ms: number; p99Ms: number; errors: number }>;
  /** Median over rounds of (SDK provider ops/s) ÷ (no provider ops/s) in the same round. */
  sdkVsNoProvider: number;
  noProviderVsIoredis: number;
  /** ns per get-hit spent in the event source with no subscriber (clock(), completed(), looked()). */
  hotPathNsPerGet: number;
  /** hotPathNsPerGet ÷ a get-hit's time (1 / median ops/s without provider): the cost of the metrics when none are recorded. */
  hotPathShare: number;
  /** The same calls with the recorder subscribed to an SDK MeterProvider (a duration record and a hit count per get). */
  sdkNsPerGet: number;
  sdkShare: number;
  /** Per round: SDK provider ops/s ÷ no provider ops/s (the spread shows the noise). */
  roundRatios: number[];
}

async function startOurs(topology: Topology, namespace: string, meterProvider?: MeterProvider) {
  const logger = new QuietLogger(true);
  const options = moduleOptions(topology, { namespace, logger, metrics: meterProvider ? { meterProvider } : undefined });
  const app = await NestFactory.createApplicationContext(RedisSentinelCacheModule.forRoot(options), { logger, abortOnError: false });
  const close = onCleanup(`${namespace}: app.close()`, () => app.close());
  return { cache: app.get<Cache>(CACHE_MANAGER), close };
}

/** What a get-hit calls on the event source, alone: ns per get (nobody listening, or the recorder on `provider`). */
function hotPathNs(provider?: MeterProvider): number {
  const events = new CacheEvents();
  const recorder = provider && new CacheMetrics(provider.getMeter(METER_NAME), events, { namespace: 'hot', db: 0 }, () => 'usable');
  let sink = 0;
  const run = (loops: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < loops; i += 1) {
      const at = events.clock();
      events.completed('get', at);
      events.looked(true);
      sink += at + 1;
    }
    return Number(process.hrtime.bigint() - started) / loops;
  };
  run(HOT_PATH_LOOPS / 10); // warm-up
  const loops = provider ? HOT_PATH_LOOPS / 10 : HOT_PATH_LOOPS;
  const ns = median([run(loops), run(loops), run(loops)]);
  recorder?.close();
  if (sink === 0) throw new Error('unreachable');
  return ns;
}

export async function runMetricsBench(topology: Topology, settings: MetricsBenchSettings, log: (line: string) => void): Promise<MetricsBenchResult> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const stopProvider = onCleanup('metrics bench: MeterProvider.shutdown()', () => provider.shutdown());
  const raw = await startRawIoredis(topology, 'mbraw:');
  const plain = await startOurs(topology, 'mbplain');
  const measured = await startOurs(topology, 'mbsdk', provider);
  try {
    const value = payload(VALUE_BYTES, 7);
    const keys = Array.from({ length: settings.keyspace }, (_, i) => `mb:hit:${i}`);
    const entries: Array<[string, string]> = keys.map((key) => [key, value]);
    await raw.fill(entries, 15 * 60_000);
    for (const { cache } of [plain, measured]) {
      for (let i = 0; i < keys.length; i += 100) await cache.mset(keys.slice(i, i + 100).map((key) => ({ key, value, ttl: 15 * 60_000 })));
      if ((await cache.get(keys[0]!)) !== value) throw new Error('metrics bench: get-hit did not return the stored value');
    }
    const n = keys.length;
    const fns: Record<MetricsContender, (i: number) => Promise<unknown>> = {
      ioredis: (i) => raw.get(keys[i % n]!),
      'no-provider': (i) => plain.cache.get(keys[i % n]!),
      'sdk-provider': (i) => measured.cache.get(keys[i % n]!),
    };
    for (const name of METRICS_CONTENDERS) await runBatch(fns[name], 1, settings.warmupMs, settings.maxOpsPerBatch);
    const batches = new Map<MetricsContender, BatchResult[]>(METRICS_CONTENDERS.map((name) => [name, []]));
    for (let roundIndex = 0; roundIndex < settings.rounds; roundIndex += 1) {
      const shift = roundIndex % METRICS_CONTENDERS.length;
      const order = [...METRICS_CONTENDERS.slice(shift), ...METRICS_CONTENDERS.slice(0, shift)];
      for (const name of roundIndex % 2 === 0 ? order : order.reverse()) {
        batches.get(name)!.push(await runBatch(fns[name], 1, settings.batchMs, settings.maxOpsPerBatch));
      }
    }
    const exported = exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    if (!exported.some((metric) => metric.descriptor.name === 'db.client.operation.duration')) {
      throw new Error('metrics bench: the SDK provider exported no db.client.operation.duration (metrics not recorded)');
    }
    const contenders = Object.fromEntries(
      METRICS_CONTENDERS.map((name) => {
        const list = batches.get(name)!;
        return [name, {
          opsPerSec: round(median(list.map((b) => b.opsPerSec)), 0),
          p50Ms: round(median(list.map((b) => b.p50Ms)), 4),
          p99Ms: round(median(list.map((b) => b.p99Ms)), 4),
          errors: list.reduce((total, b) => total + b.errors, 0),
        }];
      }),
    ) as MetricsBenchResult['contenders'];
    const ratio = (a: MetricsContender, b: MetricsContender) =>
      round(median(batches.get(a)!.map((batch, i) => batch.opsPerSec / batches.get(b)![i]!.opsPerSec)), 3);
    const hotPathNsPerGet = round(hotPathNs(), 1);
    const sdkNsPerGet = round(hotPathNs(provider), 1);
    const getNs = 1e9 / contenders['no-provider'].opsPerSec;
    const sdk = batches.get('sdk-provider')!;
    const result: MetricsBenchResult = {
      settings,
      row: { op: 'get-hit', valueBytes: VALUE_BYTES, concurrency: 1 },
      contenders,
      sdkVsNoProvider: ratio('sdk-provider', 'no-provider'),
      noProviderVsIoredis: ratio('no-provider', 'ioredis'),
      hotPathNsPerGet,
      hotPathShare: round(hotPathNsPerGet / getNs, 5),
      sdkNsPerGet,
      sdkShare: round(sdkNsPerGet / getNs, 5),
      roundRatios: batches.get('no-provider')!.map((batch, i) => round(sdk[i]!.opsPerSec / batch.opsPerSec, 3)),
    };
    log(
      `  metrics: SDK provider ÷ no provider ${result.sdkVsNoProvider}x; no provider ÷ raw ioredis ${result.noProviderVsIoredis}x; ` +
        `event source with no subscriber ${hotPathNsPerGet} ns per get = ${(result.hotPathShare * 100).toFixed(3)} % of a get-hit, ` +
        `with the SDK recording ${sdkNsPerGet} ns = ${(result.sdkShare * 100).toFixed(2)} %`,
    );
    return result;
  } finally {
    await measured.close();
    await plain.close();
    await raw.close();
    await stopProvider();
  }
}
