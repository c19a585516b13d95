import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { CACHE_MANAGER, REDIS_SENTINEL_CLIENT, type RedisSentinelCacheModuleOptions } from '../../../../lib/index.js';
import { REDIS_SENTINEL_CONNECTION } from '../../../../lib/redis-sentinel-cache.constants.js';
import type { FailoverRecord } from '../../../../lib/master/master-tracker.js';
import { RedisSentinelStore } from '../../../../lib/store/redis-sentinel.store.js';
import { appConnection } from '../../../../scripts/topology/app-connection.js';
import { type RedisNode, startTopology, type Topology, type TopologyOptions } from '../../../../scripts/topology/topology.js';
import { startSampleApp } from '../../../../sample-app/bootstrap.js';
import { CaptureLogger } from '../../helpers/capture-logger.js';
import { SentinelEventRecorder } from './sentinel-events.js';

/**
 * The failover mechanisms added for the seed's ACLs and for stale reads, switched off: no watch on the
 * replicas (promotion learnt only from Sentinel), no invalidation of recent writes on a new master.
 * The scenarios run a pair of instances like this beside the real one and report its figures.
 */
export const MECHANISMS_OFF = { watchReplicas: false, recentWritesWindow: 0 } as const satisfies Partial<RedisSentinelCacheModuleOptions>;

export type Mechanisms = 'on' | 'off';

/** One sample app instance over the topology. */
export interface AppInstance {
  /** e.g. `A1`: pair A (mechanisms on), instance 1. */
  label: string;
  mechanisms: Mechanisms;
  app: INestApplication;
  url: string;
  logger: CaptureLogger;
  store: RedisSentinelStore;
  client: Redis;
  namespace: string;
  /** Failovers the library reported (the tracker's `failover` event). */
  failovers: Array<FailoverRecord & { at: number }>;
}

/** Two instances sharing the topology and the cache namespace, i.e. the same keys. */
export interface InstancePair {
  mechanisms: Mechanisms;
  instances: [AppInstance, AppInstance];
}

/**
 * Everything a failover scenario drives: a topology, pairs of sample app instances over it (the first
 * pair with the module's defaults, the second, if any, with MECHANISMS_OFF) and an event recorder.
 * The top-level app fields are the first instance's.
 */
export interface Harness extends AppInstance {
  topology: Topology;
  recorder: SentinelEventRecorder;
  pairs: InstancePair[];
}

export interface HarnessOptions {
  /** Options of every instance (both pairs). */
  overrides?: Partial<RedisSentinelCacheModuleOptions>;
  /** Options of the first instance only (e.g. a natMap through a proxy). */
  firstInstance?: Partial<RedisSentinelCacheModuleOptions>;
  /** Run a second pair with MECHANISMS_OFF beside the first. @default true */
  compare?: boolean;
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

/** Starts one sample app instance. */
export async function startInstance(
  topology: Topology,
  label: string,
  mechanisms: Mechanisms,
  overrides: Partial<RedisSentinelCacheModuleOptions> = {},
): Promise<AppInstance> {
  const logger = new CaptureLogger();
  const options = sampleOptions(topology, { ...(mechanisms === 'off' ? { namespace: 'legacy', ...MECHANISMS_OFF } : {}), ...overrides });
  const { app, url } = await startSampleApp(options, { logger });
  try {
    const failovers: AppInstance['failovers'] = [];
    const connection = app.get<{ tracker: { on(event: 'failover', listener: (record: FailoverRecord) => void): unknown } }>(
      REDIS_SENTINEL_CONNECTION,
    );
    connection.tracker.on('failover', (record) => failovers.push({ ...record, at: Date.now() }));
    return {
      label,
      mechanisms,
      app,
      url,
      logger,
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

export async function startHarness(topology: Topology, options: HarnessOptions = {}): Promise<Harness> {
  const started: AppInstance[] = [];
  try {
    const { overrides = {}, firstInstance = {}, compare = true } = options;
    const plan: Array<[string, Mechanisms, Partial<RedisSentinelCacheModuleOptions>]> = [
      ['A1', 'on', { ...overrides, ...firstInstance }],
      ['A2', 'on', overrides],
      ...(compare ? [['B1', 'off', overrides] as typeof plan[number], ['B2', 'off', overrides] as typeof plan[number]] : []),
    ];
    for (const [label, mechanisms, instanceOptions] of plan) started.push(await startInstance(topology, label, mechanisms, instanceOptions));
    const pairs: InstancePair[] = [];
    for (let i = 0; i < started.length; i += 2) {
      pairs.push({ mechanisms: started[i]!.mechanisms, instances: [started[i]!, started[i + 1]!] });
    }
    const recorder = await SentinelEventRecorder.start(topology);
    return { ...started[0]!, topology, recorder, pairs };
  } catch (error) {
    await Promise.all(started.map((instance) => instance.app.close().catch(() => undefined)));
    throw error;
  }
}

/** Stops what a harness started (not the topology). Never throws. */
export async function stopHarness(harness: Harness | undefined): Promise<void> {
  if (!harness) return;
  harness.recorder.close();
  for (const pair of harness.pairs) {
    for (const instance of pair.instances) await instance.app.close().catch(() => undefined);
  }
}

/** The data node that is the master now. */
export async function masterNode(topology: Topology): Promise<RedisNode> {
  return topology.nodeAt(await topology.currentMaster());
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
 * Starts a topology and the sample app instances over it before the tests of the enclosing block and
 * stops both after them (paused nodes resumed), even when a test fails. Returns an accessor for the tests.
 * `before` runs between the two (e.g. a proxy the first instance reaches the data nodes through).
 */
export function useHarness(
  options: TopologyOptions,
  harnessOptions: HarnessOptions | ((topology: Topology) => Promise<HarnessOptions>) = {},
): () => Harness {
  let topology: Topology | undefined;
  let harness: Harness | undefined;
  beforeAll(async () => {
    topology = await startTopology(options);
    harness = await startHarness(topology, typeof harnessOptions === 'function' ? await harnessOptions(topology) : harnessOptions);
  }, 90_000);
  afterAll(async () => {
    await stopHarness(harness);
    await stopTopology(topology);
  }, 60_000);
  return () => {
    if (!harness) throw new Error('the topology or the sample app did not start (see beforeAll)');
    return harness;
  };
}
