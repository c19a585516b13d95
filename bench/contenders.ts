/**
 * The three store contenders, each on its own connection to the same master:
 * - `ours`: `CACHE_MANAGER` of RedisSentinelCacheModule (cache-manager 7 -> Keyv 5 -> RedisSentinelStore
 *   -> ioredis in Sentinel mode), from a Nest application context, module defaults;
 * - `ioredis`: raw ioredis 6 on a sentinel-resolved connection (`new Redis({ sentinels, name, ... })`,
 *   ioredis defaults), the strings stored as they are (no envelope, no JSON);
 * - `keyv-redis`: cache-manager 7 over `@keyv/redis` (node-redis 5), `createKeyv(url)` pointed at the
 *   master the sentinels name (the recipe of the NestJS caching docs).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import KeyvRedis, { createKeyv } from '@keyv/redis';
import { createCache, type Cache } from 'cache-manager';
import { Redis } from 'ioredis';
import { CACHE_MANAGER, RedisSentinelCacheModule, type RedisSentinelCacheModuleOptions } from '../lib/index.js';
import type { Topology } from '../scripts/topology/topology.js';
import { bounded, onCleanup, QuietLogger } from './lifecycle.js';
import { appConnection } from '../scripts/topology/app-connection.js';

export type ContenderName = 'ours' | 'ioredis' | 'keyv-redis';
export const CONTENDERS: readonly ContenderName[] = ['ours', 'ioredis', 'keyv-redis'];

export interface StoreContender {
  name: ContenderName;
  /** The Redis key a logical key ends up under (for checks as admin). */
  redisKey(key: string): string;
  get(key: string): Promise<unknown>;
  set(key: string, value: string, ttlMs: number): Promise<unknown>;
  mget(keys: string[]): Promise<unknown[]>;
  /** Not measured: fills the keyspace. */
  fill(entries: Array<[string, string]>, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Module options authenticating as the app user `default` on both sides (fixed ACLs of the launcher). */
export function moduleOptions(topology: Topology, overrides: Partial<RedisSentinelCacheModuleOptions> = {}): RedisSentinelCacheModuleOptions {
  return { ...appConnection(topology), ...overrides };
}

/** `new Redis({ sentinels, name, ...credentials })` with every other option at ioredis's default. */
export function plainSentinelClient(topology: Topology): Redis {
  const client = new Redis(appConnection(topology));
  // Without a listener an 'error' event would crash the process; it changes no behaviour.
  client.on('error', () => undefined);
  return client;
}

export async function waitReady(client: Redis, ms = 10_000): Promise<void> {
  if (client.status === 'ready') return;
  await bounded(new Promise<void>((resolve) => client.once('ready', () => resolve())), ms, 'ioredis ready');
}

async function fillThroughCache(cache: Cache, entries: Array<[string, string]>, ttlMs: number): Promise<void> {
  for (let i = 0; i < entries.length; i += 100) {
    await cache.mset(entries.slice(i, i + 100).map(([key, value]) => ({ key, value, ttl: ttlMs })));
  }
}

export async function startOurs(topology: Topology): Promise<StoreContender> {
  const logger = new QuietLogger(true);
  const namespace = 'cache';
  const options = moduleOptions(topology, { namespace, logger });
  const app = await NestFactory.createApplicationContext(RedisSentinelCacheModule.forRoot(options), { logger, abortOnError: false });
  const close = onCleanup(`${namespace}: app.close()`, () => app.close());
  const cache = app.get<Cache>(CACHE_MANAGER);
  return {
    name: 'ours',
    redisKey: (key) => `${namespace}:${key}`,
    get: (key) => cache.get(key),
    set: (key, value, ttlMs) => cache.set(key, value, ttlMs),
    mget: (keys) => cache.mget(keys),
    fill: (entries, ttlMs) => fillThroughCache(cache, entries, ttlMs),
    close,
  };
}

export async function startRawIoredis(topology: Topology, prefix = 'raw:'): Promise<StoreContender> {
  const client = plainSentinelClient(topology);
  const close = onCleanup('raw ioredis: quit()', async () => {
    await bounded(client.quit(), 2_000, 'quit').catch(() => undefined);
    client.disconnect();
  });
  await waitReady(client);
  return {
    name: 'ioredis',
    redisKey: (key) => `${prefix}${key}`,
    get: (key) => client.get(`${prefix}${key}`),
    set: (key, value, ttlMs) => client.set(`${prefix}${key}`, value, 'PX', ttlMs),
    mget: (keys) => client.mget(keys.map((key) => `${prefix}${key}`)),
    fill: async (entries, ttlMs) => {
      const pipeline = client.pipeline();
      for (const [key, value] of entries) pipeline.set(`${prefix}${key}`, value, 'PX', ttlMs);
      await pipeline.exec();
    },
    close,
  };
}

export async function startKeyvRedis(topology: Topology, namespace = 'kr'): Promise<StoreContender> {
  const master = await topology.currentMaster();
  const url = `redis://default:${encodeURIComponent(topology.password)}@${master.host}:${master.port}`;
  const keyv = createKeyv(url, { namespace, throwOnConnectError: true, connectionTimeout: 5_000 });
  keyv.on('error', () => undefined);
  const adapter = keyv.store as KeyvRedis<string>;
  adapter.on('error', () => undefined);
  const cache = createCache({ stores: [keyv] });
  const close = onCleanup('keyv-redis: disconnect()', () => cache.disconnect());
  await bounded(adapter.getClient(), 5_000, '@keyv/redis connect');
  const separator = adapter.keyPrefixSeparator;
  return {
    name: 'keyv-redis',
    redisKey: (key) => `${namespace}${separator}${key}`,
    get: (key) => cache.get(key),
    set: (key, value, ttlMs) => cache.set(key, value, ttlMs),
    mget: (keys) => cache.mget(keys),
    fill: (entries, ttlMs) => fillThroughCache(cache, entries, ttlMs),
    close,
  };
}

export async function startContender(name: ContenderName, topology: Topology): Promise<StoreContender> {
  if (name === 'ours') return startOurs(topology);
  if (name === 'ioredis') return startRawIoredis(topology);
  return startKeyvRedis(topology);
}
