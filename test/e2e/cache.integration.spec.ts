import type { INestApplication } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { Redis } from 'ioredis';
import request from 'supertest';
import { AuthenticationError, CACHE_MANAGER, REDIS_SENTINEL_CLIENT } from '../../lib/index.js';
import { startTopology, type AclMode, type Topology } from '../../scripts/topology/topology.js';
import { startWriteLoop } from './helpers/write-loop.js';
import { optionsFor, startCacheApp } from './helpers/cache-app.js';
import { oldEnvelope, storedValue } from './helpers/stored-value.js';
import type { CaptureLogger } from './helpers/capture-logger.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The whole suite runs twice: with the seed's ACLs plus the documented additions ('fixed'), and with
 * the documented least-privilege ACL (the app user limited to its namespaces' keys and the commands
 * the module sends), which proves that ACL is sufficient.
 */
describe.each<AclMode>(['fixed', 'least-privilege'])('cache over a real Sentinel topology (%s ACLs)', (acl) => {
  let topology: Topology;
  let app: INestApplication;
  let logger: CaptureLogger;
  let cache: Cache;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    topology = await startTopology({ acl, appKeyPatterns: ['itest:*', 'other:*'] });
    ({ app, logger } = await startCacheApp(optionsFor(topology, { namespace: 'itest' })));
    apps.push(app);
    cache = app.get(CACHE_MANAGER);
  });

  afterAll(async () => {
    for (const started of apps) await started.close();
    await topology?.stop();
  });

  it('connects as the seed app user with no ACL warning once the documented additions are in', () => {
    expect(logger.warnings().filter((line) => /ACL gap/.test(line))).toEqual([]);
  });

  it('sets and gets values of several types, on the master, under the namespace', async () => {
    await cache.set('answer', { n: 42, list: [1, 'two'] });
    expect(await cache.get('answer')).toEqual({ n: 42, list: [1, 'two'] });
    const master = await topology.currentMaster();
    const raw = await topology.adminCommand(master, 'GET', 'itest:answer');
    expect(typeof raw).toBe('string');
    expect(storedValue(raw)).toEqual({ n: 42, list: [1, 'two'] });
    expect(await cache.get('missing')).toBeUndefined();
  });

  it("reads what an earlier release wrote (Keyv's JSON envelope), and Keyv (stores[0]) shares the store", async () => {
    const master = await topology.currentMaster();
    const expires = Date.now() + 60_000;
    await topology.adminCommand(master, 'SET', 'itest:old-release', oldEnvelope({ from: 'old pod' }, expires), 'PX', '60000');
    expect(await cache.get('old-release')).toEqual({ from: 'old pod' });
    expect(await cache.ttl('old-release')).toBe(expires);
    expect(await cache.mget(['old-release'])).toEqual([{ from: 'old pod' }]);
    const store = cache.stores[0]!;
    expect(await store.get('old-release')).toEqual({ from: 'old pod' });
    await store.set('via-keyv', 'text', 10_000);
    expect(await cache.get('via-keyv')).toBe('text');
    await cache.set('via-cache', [1, 2]);
    expect(await store.get('via-cache')).toEqual([1, 2]);
  });

  it('expires entries after their ttl, with a Redis-side PX as well', async () => {
    await cache.set('short', 'lived', 300);
    const master = await topology.currentMaster();
    const pttl = Number(await topology.adminCommand(master, 'PTTL', 'itest:short'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(300);
    expect(await cache.get('short')).toBe('lived');
    await sleep(450);
    expect(await cache.get('short')).toBeUndefined();
    expect(await topology.adminCommand(master, 'EXISTS', 'itest:short')).toBe(0);
  });

  it('mset / mget / mdel', async () => {
    await cache.mset<unknown>([
      { key: 'm1', value: 'one' },
      { key: 'm2', value: 2, ttl: 10_000 },
    ]);
    expect(await cache.mget(['m1', 'm2', 'm3'])).toEqual(['one', 2, undefined]);
    await cache.mdel(['m1', 'm2']);
    expect(await cache.mget(['m1', 'm2'])).toEqual([undefined, undefined]);
  });

  it('del, wrap and ttl', async () => {
    let calls = 0;
    const compute = async () => ++calls;
    expect(await cache.wrap('wrapped', compute, 10_000)).toBe(1);
    expect(await cache.wrap('wrapped', compute, 10_000)).toBe(1);
    const expires = await cache.ttl('wrapped');
    expect(expires).toBeGreaterThan(Date.now());
    expect(await cache.del('wrapped')).toBe(true);
    expect(await cache.wrap('wrapped', compute, 10_000)).toBe(2);
  });

  it('reaches Redis in call order: set(k, v) then get(k), not awaited in between, reads v', async () => {
    for (let round = 0; round < 50; round += 1) {
      const set = cache.set('ordered', round);
      const get = cache.get('ordered');
      const del = cache.del('ordered');
      const after = cache.get('ordered');
      const setAgain = cache.mset([{ key: 'ordered', value: `m${round}` }]);
      const many = cache.mget(['ordered']);
      await Promise.all([set, del, setAgain]);
      expect(await get).toBe(round);
      expect(await after).toBeUndefined();
      expect(await many).toEqual([`m${round}`]);
    }
  });

  it('wrap() with refreshThreshold refreshes exactly once per threshold crossing', async () => {
    let calls = 0;
    const events: string[] = [];
    cache.on('refresh', ({ value, error }) => events.push(error ? `error ${String(error)}` : `refreshed ${String(value)}`));
    const compute = async () => {
      calls += 1;
      await sleep(30);
      return calls;
    };
    expect(await cache.wrap('refreshing', compute, 600, 300)).toBe(1);
    // Inside the ttl, above the threshold: cached, no refresh.
    expect(await cache.wrap('refreshing', compute, 600, 300)).toBe(1);
    await sleep(350);
    // Crossed the threshold: the cached value now, one refresh in the background, however many calls.
    const crossing = await Promise.all(Array.from({ length: 5 }, () => cache.wrap('refreshing', compute, 600, 300)));
    expect(crossing).toEqual([1, 1, 1, 1, 1]);
    while (calls < 2) await sleep(5);
    expect(await cache.wrap('refreshing', compute, 600, 300)).toBe(1); // refresh still under way: coalesced
    await sleep(60);
    // The refreshed value, with a fresh ttl: no further refresh until the next crossing.
    for (let i = 0; i < 5; i += 1) expect(await cache.wrap('refreshing', compute, 600, 300)).toBe(2);
    expect(calls).toBe(2);
    await sleep(350);
    expect(await cache.wrap('refreshing', compute, 600, 300)).toBe(2);
    await sleep(80);
    expect(await cache.wrap('refreshing', compute, 600, 300)).toBe(3);
    expect(calls).toBe(3);
    expect(events).toEqual(['refreshed 2', 'refreshed 3']);
  });

  it('keeps namespaces apart, and clear() deletes only its own namespace', async () => {
    const { app: other } = await startCacheApp(optionsFor(topology, { namespace: 'other' }));
    apps.push(other);
    const otherCache = other.get<Cache>(CACHE_MANAGER);
    await cache.set('shared-key', 'mine');
    await otherCache.set('shared-key', 'theirs');
    const master = await topology.currentMaster();
    await topology.adminCommand(master, 'SET', 'unrelated', 'stays');
    expect(await cache.get('shared-key')).toBe('mine');
    expect(await otherCache.get('shared-key')).toBe('theirs');

    for (let i = 0; i < 1200; i += 1) await otherCache.set(`bulk-${i}`, i); // more than one SCAN page
    await otherCache.clear();
    expect(await otherCache.get('shared-key')).toBeUndefined();
    expect(await otherCache.get('bulk-7')).toBeUndefined();
    expect(await topology.adminCommand(master, 'KEYS', 'other:*')).toEqual([]);
    expect(await cache.get('shared-key')).toBe('mine');
    expect(await topology.adminCommand(master, 'GET', 'unrelated')).toBe('stays');
  });

  it('serves @CacheKey routes through CacheInterceptor on a real HTTP request', async () => {
    const server = app.getHttpServer();
    const first = await request(server).get('/items/counter').expect(200);
    const second = await request(server).get('/items/counter').expect(200);
    expect(second.body).toEqual(first.body);
    const master = await topology.currentMaster();
    expect(await topology.adminCommand(master, 'EXISTS', 'itest:items-counter')).toBe(1);
    const byUrl = await request(server).get('/items/abc').expect(200);
    expect((await request(server).get('/items/abc').expect(200)).body).toEqual(byUrl.body);
  });

  it('exposes the ioredis client connected to the current master', async () => {
    const client = app.get<Redis>(REDIS_SENTINEL_CLIENT);
    expect(client.status).toBe('ready');
    const master = await topology.currentMaster();
    expect(client.stream.remotePort).toBe(master.port);
  });

  it('fails start-up with a typed error naming the master credentials on a wrong master password', async () => {
    const started = Date.now();
    const failure = startCacheApp(optionsFor(topology, { password: 'wrong-master-password' }));
    await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
    await expect(failure).rejects.toMatchObject({ target: 'master', code: 'ERR_REDIS_SENTINEL_CACHE_AUTH_FAILED' });
    await expect(failure).rejects.toThrow(/"username"\/"password"/);
    await failure.catch((error: Error) => expect(error.message).not.toContain('wrong-master-password'));
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('fails start-up with a typed error naming the sentinel credentials on a wrong sentinel password', async () => {
    const failure = startCacheApp(optionsFor(topology, { sentinelPassword: 'wrong-sentinel-password' }));
    await expect(failure).rejects.toMatchObject({ target: 'sentinel' });
    await expect(failure).rejects.toThrow(/"sentinelUsername"\/"sentinelPassword"/);
  });

  it('follows a planned failover: no stale value, every write after the switch on the new master', async () => {
    const writes = startWriteLoop(cache);
    await sleep(300);
    const { from, to } = await topology.failover();
    const switched = Date.now();
    expect(to).not.toEqual(from);
    await sleep(1_500);
    await writes.stop();
    // Let the old master be demoted and resync from the new one, then read back what survived.
    await topology.waitForStable(30_000);
    const master = await topology.currentMaster();
    const values = (await topology.adminCommand(master, 'MGET', ...writes.acked.map(({ key }) => `itest:${key}`))) as Array<string | null>;
    const stale = writes.acked.filter(({ value }, index) => values[index] !== null && storedValue(values[index]) !== value);
    // Written before the switch: kept, or invalidated by the module (the old master may have lost it).
    expect(stale).toEqual([]);
    const afterSwitch = writes.acked.filter(({ at }) => at > switched + 100);
    const missingAfter = afterSwitch.filter(({ key }) => values[writes.acked.findIndex((write) => write.key === key)] === null);
    expect(afterSwitch.length).toBeGreaterThan(50);
    expect(missingAfter).toEqual([]);
    const client = app.get<Redis>(REDIS_SENTINEL_CLIENT);
    expect(client.stream.remotePort).toBe(master.port);
    await cache.set('after-failover', 'ok');
    expect(await topology.adminCommand(master, 'GET', 'itest:after-failover')).toBeTruthy();
  }, 90_000);

  it('never writes a password into a log line', () => {
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.text()).not.toContain(topology.password);
  });
});

describe('cache with the seed ACLs verbatim', () => {
  let topology: Topology;
  let app: INestApplication | undefined;
  let logger: CaptureLogger;

  beforeAll(async () => {
    topology = await startTopology({ acl: 'seed' });
    ({ app, logger } = await startCacheApp(optionsFor(topology)));
  });

  afterAll(async () => {
    await app?.close();
    await topology?.stop();
  });

  it('warns once per ACL gap at start-up, naming the rule to add, and still serves', async () => {
    const warnings = logger.warnings();
    expect(warnings.filter((line) => /may not run INFO.*\+info/.test(line))).toHaveLength(1);
    expect(warnings.filter((line) => /may not subscribe to \+switch-master \(missing "\+subscribe"\)/.test(line))).toHaveLength(1);
    const cache = app!.get<Cache>(CACHE_MANAGER);
    await cache.set('seed', 'works');
    expect(await cache.get('seed')).toBe('works');
    expect(logger.text()).not.toContain(topology.password);
  });

  it('without SUBSCRIBE, still leaves the demoted master as the sentinels name the new one', async () => {
    const cache = app!.get<Cache>(CACHE_MANAGER);
    const client = app!.get<Redis>(REDIS_SENTINEL_CLIENT);
    const { to } = await topology.failover(); // resolves once every sentinel names the new master
    const announced = Date.now();
    while (client.stream.remotePort !== to.port && Date.now() - announced < 5_000) {
      await cache.get('poll'); // reads only: a write's READONLY would also move it, not what this test shows
      await sleep(20);
    }
    const lag = Date.now() - announced;
    console.log(`seed ACL: client on the new master ${lag} ms after every sentinel named it`);
    expect(client.stream.remotePort).toBe(to.port);
    expect(lag).toBeLessThan(500); // ioredis alone stays on the old master until it is demoted (~11 s)
    await cache.set('after', 'new-master');
    expect(await topology.adminCommand(to, 'GET', 'cache:after')).toBeTruthy();
  }, 60_000);

  it('fails start-up naming the rule when a sentinel refuses resolving the master (SENTINEL MASTER here)', async () => {
    for (const sentinel of topology.sentinels) await topology.adminCommand(sentinel, 'ACL', 'SETUSER', 'default', '-sentinel|master');
    try {
      const failure = startCacheApp(optionsFor(topology));
      await expect(failure).rejects.toMatchObject({ code: 'ERR_REDIS_SENTINEL_CACHE_PERMISSION_DENIED', target: 'sentinel', rule: '+sentinel|master' });
      await expect(failure).rejects.toThrow(/add "\+sentinel\|master" to that user's ACL line on every sentinel/);
      await failure.catch((error: Error) => expect(error.message).not.toContain(topology.password));
    } finally {
      for (const sentinel of topology.sentinels) await topology.adminCommand(sentinel, 'ACL', 'SETUSER', 'default', '+sentinel|master');
    }
  });
});
