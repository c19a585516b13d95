import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheUnavailableError } from '../../lib/index.js';
import { allocatePorts } from '../../scripts/topology/free-ports.js';
import { startTopology, type Topology } from '../../scripts/topology/topology.js';
import { optionsFor, startCacheContext } from './helpers/cache-app.js';
import { sleep, timed, waitUntil } from './helpers/timing.js';

type Context = Awaited<ReturnType<typeof startCacheContext>>;

/** Fault tests against real processes: what the cache does when Redis misbehaves. */
describe('faults (fixed ACLs)', () => {
  let topology: Topology;
  const contexts: Context[] = [];
  const open = async (...args: Parameters<typeof startCacheContext>) => {
    const context = await startCacheContext(...args);
    contexts.push(context);
    return context;
  };

  beforeAll(async () => {
    // down-after 3 s: a short SIGSTOP must not trigger a failover in the first tests.
    topology = await startTopology({ acl: 'fixed', downAfterMs: 3_000 });
  });

  afterAll(async () => {
    for (const node of [...topology.dataNodes, ...topology.sentinels]) if (node.alive()) node.resume();
    for (const context of contexts) await context.app.close();
    await topology?.stop();
  });

  it('a SIGSTOPped master: calls return within commandTimeout, fail-open misses and no-ops, or typed errors with onError: throw', async () => {
    const errors: CacheUnavailableError[] = [];
    const open_ = await open(optionsFor(topology, { namespace: 'hung', commandTimeout: 300, listeners: { error: (error) => errors.push(error) } }));
    const strict = await open(optionsFor(topology, { namespace: 'hung', commandTimeout: 300, onError: 'throw' }));
    await open_.cache.set('k', 'before');
    const master = topology.nodeAt(await topology.currentMaster());
    master.pause();
    try {
      const get = await timed(() => open_.cache.get('k'));
      const set = await timed(() => open_.cache.set('k', 'during'));
      const strictGet = await timed(() => strict.cache.get('k'));
      expect(get.error).toBeUndefined();
      expect(get.value).toBeUndefined();
      expect(get.ms).toBeLessThan(300 + 400);
      expect(set.error).toBeUndefined();
      expect(set.ms).toBeLessThan(300 + 400);
      expect(strictGet.error).toBeInstanceOf(CacheUnavailableError);
      expect(strictGet.error).toMatchObject({ code: 'ERR_REDIS_SENTINEL_CACHE_UNAVAILABLE', reason: 'timeout', operation: 'get' });
      expect((strictGet.error as Error).message).toContain(`master 127.0.0.1:${master.port} did not answer within 300 ms`);
      expect(strictGet.ms).toBeLessThan(300 + 400);
      expect(errors.some((error) => error.reason === 'timeout')).toBe(true);
    } finally {
      master.resume();
    }
    // The failed set('k', 'during') reached the stopped master's socket: when it resumes, that SET may be
    // applied, and the module's UNLINK follows it on the same connection. Neither 'before' nor 'during' stays.
    const master_ = await topology.currentMaster();
    await waitUntil(async () => (await topology.adminCommand(master_, 'EXISTS', 'hung:k')) === 0, 10_000, 'the failed write to be invalidated');
    expect(await open_.cache.get('k')).toBeUndefined();
    await open_.cache.set('k', 'after');
    expect(await open_.cache.get('k')).toBe('after');
    expect(open_.logger.text()).not.toContain(topology.password);
  });

  it('a client that ioredis ended is started again: the cache never stops trying while the app runs', async () => {
    const { cache, client, logger } = await open(optionsFor(topology, { namespace: 'revive' }));
    const ended = new Promise((resolve) => client.once('end', resolve));
    client.disconnect(); // ends the client for good, as ioredis does when a connection attempt is rejected
    await ended;
    await waitUntil(() => client.status === 'ready', 5_000, 'the client to start again');
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    expect(logger.warnings().some((line) => /stopped reconnecting; starting it again/.test(line))).toBe(true);
  });

  it('a master restarted with an empty dataset: misses, no errors, then works', async () => {
    const { cache, client } = await open(optionsFor(topology, { namespace: 'empty' }));
    await cache.set('k', 'v');
    const master = topology.nodeAt(await topology.currentMaster());
    await master.kill();
    await master.restart(); // well within down-after: no failover, the same master comes back empty
    await waitUntil(() => client.status === 'ready', 10_000, 'the client to reconnect');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 'again');
    expect(await cache.get('k')).toBe('again');
    await topology.waitForStable(30_000);
  });

  it('every sentinel down at run time: the cache keeps serving from the master', async () => {
    const { cache } = await open(optionsFor(topology, { namespace: 'nosentinel' }));
    await cache.set('k', 'v');
    await Promise.all(topology.sentinels.map((sentinel) => sentinel.kill()));
    try {
      await sleep(500);
      await cache.set('k', 'still');
      expect(await cache.get('k')).toBe('still');
    } finally {
      await Promise.all(topology.sentinels.map((sentinel) => sentinel.restart()));
    }
    await topology.waitForStable(30_000);
  });

  it('a wrong password on the master at run time: a typed, worded error and a bounded reconnect rate', async () => {
    const errors: CacheUnavailableError[] = [];
    const { cache, client } = await open(optionsFor(topology, { namespace: 'rotate', commandTimeout: 300, listeners: { error: (error) => errors.push(error) } }));
    await cache.set('k', 'v');
    const master = await topology.currentMaster();
    let authFailures = 0;
    client.on('error', (error: Error) => {
      if (/WRONGPASS/.test(error.message)) authFailures += 1;
    });
    await topology.adminCommand(master, 'ACL', 'SETUSER', 'default', 'resetpass', '>rotated-elsewhere');
    try {
      await topology.adminCommand(master, 'CLIENT', 'KILL', 'USER', 'default');
      await sleep(3_000);
      expect(await cache.get('k')).toBeUndefined(); // fail-open: a miss, not an exception
      expect(authFailures).toBeGreaterThan(0);
      expect(authFailures).toBeLessThanOrEqual(3_000 / 250 + 6); // the backoff cap bounds the rate
    } finally {
      await topology.adminCommand(master, 'ACL', 'SETUSER', 'default', 'resetpass', `>${topology.password}`);
    }
    await waitUntil(async () => (await cache.get('k')) === 'v', 10_000, 'recovery after the password is restored');
  });

  it('a sentinel that names a master nobody listens on: the client moves on to the next sentinel', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rsc-liar-'));
    const [port, deadPort] = await allocatePorts(2);
    await writeFile(join(dir, 'sentinel.conf'), [
      `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `logfile ${join(dir, 'sentinel.log')}`,
      `sentinel monitor ${topology.masterName} 127.0.0.1 ${deadPort} 1`, `sentinel down-after-milliseconds ${topology.masterName} 60000`, '',
    ].join('\n'));
    const liar: ChildProcess = spawn('redis-server', [join(dir, 'sentinel.conf'), '--sentinel'], { stdio: 'ignore' });
    try {
      await sleep(300);
      const started = Date.now();
      const { cache, client } = await open(optionsFor(topology, {
        namespace: 'liar',
        sentinels: [{ host: '127.0.0.1', port: port! }, ...topology.sentinelAddresses],
      }));
      await waitUntil(() => client.status === 'ready', 5_000, 'the client to reach the real master');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(client.stream.remotePort).toBe((await topology.currentMaster()).port);
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
    } finally {
      liar.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a crash failover: invalidations that failed open are replayed on the new master, no stale value is served', async () => {
    const { cache, client } = await open(optionsFor(topology, { namespace: 'replay', commandTimeout: 300 }));
    await cache.set('record', 'old', 120_000);
    await sleep(200); // replicated
    const master = topology.nodeAt(await topology.currentMaster());
    await master.kill();
    await sleep(600); // unreachable for longer than commandTimeout: calls fail fast
    expect(await cache.del('record')).toBe(true); // fail-open: resolves, remembered for replay
    await waitUntil(async () => client.status === 'ready' && client.stream.remotePort !== master.port, 20_000, 'the failover');
    await waitUntil(async () => (await cache.get('record')) === undefined, 2_000, 'the replayed DEL');
    const newMaster = await topology.currentMaster();
    expect(await topology.adminCommand(newMaster, 'EXISTS', 'replay:record')).toBe(0);
    await master.restart();
  }, 60_000);
});

describe('faults at boot and long outages', () => {
  let topology: Topology;
  let context: Context | undefined;

  beforeAll(async () => {
    topology = await startTopology({ acl: 'fixed' });
  });

  afterAll(async () => {
    await context?.app.close();
    await topology?.stop();
  });

  it('every sentinel down at boot: the app starts within startupTimeout, misses, then recovers without a restart', async () => {
    await Promise.all(topology.sentinels.map((sentinel) => sentinel.kill()));
    const started = Date.now();
    context = await startCacheContext(optionsFor(topology, { namespace: 'boot', startupTimeout: 1_000, commandTimeout: 300 }));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(context.logger.warnings().some((line) => /No sentinel of "primary" is reachable/.test(line))).toBe(true);
    await sleep(400);
    expect(await context.cache.get('k')).toBeUndefined();
    await expect(context.cache.set('k', 'v')).resolves.toBeDefined();
    await Promise.all(topology.sentinels.map((sentinel) => sentinel.restart()));
    const cache = context.cache;
    await waitUntil(async () => {
      await cache.set('k', 'v');
      return (await cache.get('k')) === 'v';
    }, 20_000, 'the cache to work once the sentinels are back');
  }, 60_000);

  it('a one-minute outage under load does not grow the offline queue or the heap without bound', async () => {
    const { cache, client } = context!;
    const queue = () => (client as unknown as { offlineQueue: { length: number } }).offlineQueue.length;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    await Promise.all(topology.dataNodes.map((node) => node.kill()));
    let running = true;
    let operations = 0;
    let maxQueue = 0;
    const load = (async () => {
      for (let i = 0; running && i < 100_000; i += 1) {
        await Promise.all([cache.get(`load-${i % 50}`), cache.set(`load-${i % 50}`, { i, pad: 'x'.repeat(200) }), cache.del(`gone-${i % 50}`)]);
        operations += 3;
        maxQueue = Math.max(maxQueue, queue());
        await sleep(5);
      }
    })();
    await sleep(60_000);
    running = false;
    await load;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    console.log(`outage: ${operations} operations in 60 s, max offline queue ${maxQueue}, heap growth ${(heapGrowth / 1e6).toFixed(1)} MB`);
    expect(operations).toBeGreaterThan(3_000);
    expect(maxQueue).toBeLessThan(1_000);
    expect(heapGrowth).toBeLessThan(64e6);
    await Promise.all(topology.dataNodes.map((node) => node.restart()));
    await waitUntil(async () => {
      await cache.set('back', 1);
      return (await cache.get('back')) === 1;
    }, 30_000, 'recovery after the outage');
  }, 150_000);
});
