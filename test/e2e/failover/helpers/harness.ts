import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { CACHE_MANAGER, REDIS_SENTINEL_CLIENT, type RedisSentinelCacheModuleOptions } from '../../../../lib/index.js';
import { REDIS_SENTINEL_CONNECTION } from '../../../../lib/redis-sentinel-cache.constants.js';
import type { FailoverRecord } from '../../../../lib/master/master-tracker.js';
import { RedisSentinelStore } from '../../../../lib/store/redis-sentinel.store.js';
import { appConnection } from '../../../../scripts/topology/app-connection.js';
import { startTopology, type Topology, type TopologyOptions } from '../../../../scripts/topology/topology.js';
import { startSampleApp } from '../../../../sample-app/bootstrap.js';
import { CaptureLogger } from '../../helpers/capture-logger.js';
import { SentinelEventRecorder } from './sentinel-events.js';

/** Everything a failover scenario drives: a topology, the sample app over it, and an event recorder. */
export interface Harness {
  topology: Topology;
  app: INestApplication;
  url: string;
  logger: CaptureLogger;
  recorder: SentinelEventRecorder;
  store: RedisSentinelStore;
  client: Redis;
  namespace: string;
  /** Failovers the library reported (its FailoverCoordinator's `failover` event). */
  failovers: Array<FailoverRecord & { at: number }>;
}

/** The sample app's cache options for a topology, authenticating as the seed's app user `default` on both sides. */
export function sampleOptions(
  topology: { sentinelAddresses: Topology['sentinelAddresses']; masterName: string; password: string },
  overrides: Partial<RedisSentinelCacheModuleOptions> = {},
): RedisSentinelCacheModuleOptions {
  return {
    ...appConnection(topology),
    namespace: 'sample',
    ttl: 60_000,
    ...overrides,
  };
}

/** The app's own cache store (same client, failover fence and error policy as every cache write). */
export function cacheStoreOf(app: INestApplication): RedisSentinelStore {
  const cache = app.get<{ stores?: unknown[] }>(CACHE_MANAGER);
  const keyv = cache.stores?.[0];
  const store = keyv instanceof Keyv ? keyv.store : undefined;
  if (!(store instanceof RedisSentinelStore)) {
    throw new Error('CACHE_MANAGER is not cache-manager over Keyv over RedisSentinelStore: the probe writer cannot reach the store');
  }
  return store;
}

export async function startHarness(
  topology: Topology,
  overrides: Partial<RedisSentinelCacheModuleOptions> = {},
): Promise<Harness> {
  const logger = new CaptureLogger();
  const options = sampleOptions(topology, overrides);
  const { app, url } = await startSampleApp(options, { logger });
  const failovers: Harness['failovers'] = [];
  try {
    const connection = app.get<{ tracker: { on(event: 'failover', listener: (record: FailoverRecord) => void): unknown } }>(
      REDIS_SENTINEL_CONNECTION,
    );
    connection.tracker.on('failover', (record) => failovers.push({ ...record, at: Date.now() }));
    const recorder = await SentinelEventRecorder.start(topology);
    return {
      topology,
      app,
      url,
      logger,
      recorder,
      store: cacheStoreOf(app),
      client: app.get<Redis>(REDIS_SENTINEL_CLIENT),
      namespace: options.namespace ?? 'cache',
      failovers,
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** Stops what a harness started (not the topology). Never throws. */
export async function stopHarness(harness: Harness | undefined): Promise<void> {
  if (!harness) return;
  harness.recorder.close();
  await harness.app.close().catch(() => undefined);
}

/** Resumes paused nodes, then stops the topology. Never throws (afterAll). */
export async function stopTopology(topology: Topology | undefined): Promise<void> {
  if (!topology) return;
  for (const node of [...topology.dataNodes, ...topology.sentinels]) {
    try {
      if (node.alive()) node.resume();
    } catch {
      // not running
    }
  }
  await topology.stop().catch((error: unknown) => console.error(`topology.stop(): ${String(error)}`));
}

export interface HealthAnswer {
  status: number;
  body: unknown;
  /** `master` of the redis entry: `host:port` the sentinels name, or null. */
  master: string | null | undefined;
  /** `connectedTo` of the redis entry. */
  connectedTo: string | null | undefined;
  error?: string;
}

function findField(value: unknown, field: string, depth = 0): unknown {
  if (depth > 6 || typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (field in record) return record[field];
  for (const child of Object.values(record)) {
    const found = findField(child, field, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** GET <url><path> (default /health), bounded. */
export async function health(url: string, path = '/health', timeoutMs = 5_000): Promise<HealthAnswer> {
  try {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return {
      status: response.status,
      body,
      master: findField(body, 'master') as string | null | undefined,
      connectedTo: findField(body, 'connectedTo') as string | null | undefined,
    };
  } catch (error) {
    return { status: 0, body: undefined, master: undefined, connectedTo: undefined, error: String(error) };
  }
}

/** Polls /health until `accept` holds or the bound runs out; returns the last answer. */
export async function waitForHealth(url: string, accept: (answer: HealthAnswer) => boolean, timeoutMs: number): Promise<HealthAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await health(url);
    // 404: no health route at all; it will not appear by waiting.
    if (accept(answer) || answer.status === 404 || Date.now() >= deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Starts a topology and the sample app over it before the tests of the enclosing block and stops both
 * after them (paused nodes resumed), even when a test fails. Returns an accessor for the tests.
 */
export function useHarness(options: TopologyOptions): () => Harness {
  let topology: Topology | undefined;
  let harness: Harness | undefined;
  beforeAll(async () => {
    topology = await startTopology(options);
    harness = await startHarness(topology);
  }, 60_000);
  afterAll(async () => {
    await stopHarness(harness);
    await stopTopology(topology);
  }, 60_000);
  return () => {
    if (!harness) throw new Error('the topology or the sample app did not start (see beforeAll)');
    return harness;
  };
}
