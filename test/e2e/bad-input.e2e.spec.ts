import type { INestApplication } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import {
  CACHE_MANAGER,
  InvalidKeyError,
  InvalidTtlError,
  InvalidValueError,
  ValueTooLargeError,
} from '../../lib/index.js';
import { startTopology, type Topology } from '../../scripts/topology/topology.js';
import { optionsFor, startCacheApp } from './helpers/cache-app.js';

/** Bad input gets a typed error naming the key, and nothing is stored half-way. */
describe('bad input against a real master', () => {
  let topology: Topology;
  let app: INestApplication;
  let cache: Cache;
  const stored = async (key: string) => topology.adminCommand(await topology.currentMaster(), 'EXISTS', `bad:${key}`);

  beforeAll(async () => {
    topology = await startTopology({ acl: 'fixed' });
    ({ app } = await startCacheApp(optionsFor(topology, { namespace: 'bad', maxValueSize: 1_024, maxKeyLength: 64 })));
    cache = app.get(CACHE_MANAGER);
  });

  afterAll(async () => {
    await app?.close();
    await topology?.stop();
  });

  it.each([
    ['bigint', { id: 1n }, 'value.id'],
    ['function', { run: () => 1 }, 'value.run'],
    ['circular', (() => { const node: Record<string, unknown> = {}; node.self = node; return node; })(), 'value.self'],
    ['map', new Map([['a', 1]]), 'value'],
    ['undefined', undefined, 'value'],
  ])('rejects a %s value, naming the key and where, and stores nothing', async (name, value, path) => {
    const failure = cache.set(`v-${name}`, value);
    await expect(failure).rejects.toBeInstanceOf(InvalidValueError);
    await expect(failure).rejects.toMatchObject({ key: `v-${name}`, path, code: 'ERR_REDIS_SENTINEL_CACHE_INVALID_VALUE' });
    expect(await stored(`v-${name}`)).toBe(0);
  });

  it('rejects a value over maxValueSize with its key and size, and stores nothing', async () => {
    const failure = cache.set('big', 'x'.repeat(2_000));
    await expect(failure).rejects.toBeInstanceOf(ValueTooLargeError);
    await expect(failure).rejects.toMatchObject({ key: 'big', limit: 1_024 });
    expect(await stored('big')).toBe(0);
  });

  it('mset with one bad entry stores none of them', async () => {
    await expect(cache.mset<unknown>([
      { key: 'ok-1', value: 1 },
      { key: 'bad-2', value: 2n },
      { key: 'ok-3', value: 3 },
    ])).rejects.toMatchObject({ key: 'bad-2' });
    expect(await stored('ok-1')).toBe(0);
    expect(await stored('ok-3')).toBe(0);
    await expect(cache.mset([{ key: 'ok-1', value: 'x'.repeat(2_000) }, { key: 'ok-4', value: 'small' }])).rejects.toBeInstanceOf(ValueTooLargeError);
    expect(await stored('ok-4')).toBe(0);
  });

  it.each([[''], ['k'.repeat(65)]])('rejects the key %p', async (key) => {
    await expect(cache.set(key, 1)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.del(key)).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], [1.5]])('rejects ttl %p', async (ttl) => {
    await expect(cache.set('ttl', 1, ttl)).rejects.toBeInstanceOf(InvalidTtlError);
    expect(await stored('ttl')).toBe(0);
  });

  it('wrap() rejects a bad computed value and caches nothing', async () => {
    await expect(cache.wrap('wrapped', async () => ({ at: 10n }))).rejects.toMatchObject({ key: 'wrapped', path: 'value.at' });
    expect(await stored('wrapped')).toBe(0);
  });

  it('round-trips what it supports: Buffers as bytes, Dates as ISO strings', async () => {
    await cache.set('buffer', Buffer.from([0, 1, 2, 255]));
    expect(Buffer.compare(await cache.get<Buffer>('buffer') as Buffer, Buffer.from([0, 1, 2, 255]))).toBe(0);
    await cache.set('date', { at: new Date(0) });
    expect(await cache.get('date')).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});
