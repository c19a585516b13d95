import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import request from 'supertest';
import type { RedisSentinelHealthDetails, RedisSentinelHealthIndicator } from '../../lib/health/index.js';
import { CACHE_MANAGER } from '../../lib/index.js';
import { startTopology, type Address, type RedisNode, type Topology } from '../../scripts/topology/topology.js';
import { startHealthApp } from './fixtures/health-app.js';
import type { CaptureLogger } from './helpers/capture-logger.js';
import { optionsFor } from './helpers/cache-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const addr = (address: Address) => `${address.host}:${address.port}`;

type Redis = RedisSentinelHealthDetails & { status: string };
interface Sample {
  code: number;
  redis: Redis;
  body: { status: string; details?: Record<string, Redis> };
  /** Duration of the HTTP request, ms. */
  ms: number;
  /** performance.now() when it answered. */
  at: number;
}

/** GET /health (optionally with ?timeout=), with its duration. */
async function health(app: INestApplication, timeout?: number): Promise<Sample> {
  const started = performance.now();
  const response = await request(app.getHttpServer()).get(timeout ? `/health?timeout=${timeout}` : '/health');
  const at = performance.now();
  const body = response.body as Sample['body'];
  return { code: response.status, redis: body.details?.['redis'] as Redis, body, ms: at - started, at };
}

/** Polls `probe` every `interval` ms until `accept` holds; every sample is kept. Fails after `timeout` ms. */
async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeout: number, interval = 100): Promise<{ value: T; seen: T[] }> {
  const deadline = Date.now() + timeout;
  const seen: T[] = [];
  for (;;) {
    const value = await probe();
    seen.push(value);
    if (accept(value)) return { value, seen };
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeout} ms; last: ${JSON.stringify(value).slice(0, 1500)}`);
    }
    await sleep(interval);
  }
}

/** Numbers for the report, printed once at the end. */
const measured: Record<string, number | string> = {};

afterAll(() => {
  console.log(`health e2e measurements: ${JSON.stringify(measured, null, 2)}`);
});

describe('RedisSentinelHealthIndicator over a real topology (fixed ACLs)', () => {
  let topology: Topology;
  let app: INestApplication;
  let logger: CaptureLogger;
  let indicator: RedisSentinelHealthIndicator;
  const paused = new Set<RedisNode>();
  const bodies: unknown[] = [];

  beforeAll(async () => {
    topology = await startTopology({ acl: 'fixed' });
    // Replicas resync at once after a failover instead of after the 5 s diskless delay: shorter waits.
    await Promise.all(topology.dataNodes.map((node) => topology.adminCommand(node, 'CONFIG', 'SET', 'repl-diskless-sync-delay', '0')));
    ({ app, logger, indicator } = await startHealthApp(optionsFor(topology, { namespace: 'health' })));
  }, 60_000);

  afterAll(async () => {
    for (const node of paused) node.resume();
    try {
      await app?.close();
    } finally {
      await topology?.stop();
    }
  }, 30_000);

  it('GET /health is 200 with the master, the live connection, its role, latency, sentinels and replicas', async () => {
    const master = addr(await topology.currentMaster());
    const sample = await health(app);
    bodies.push(sample.body);
    expect(sample.code).toBe(200);
    expect(sample.body.status).toBe('ok');
    expect(sample.redis).toEqual({
      status: 'up',
      master,
      connectedTo: master,
      role: 'master',
      roleSource: 'node',
      latencyMs: expect.any(Number),
      sentinels: { reachable: 3, total: 3, agree: true, quorum: 2 },
      replicas: 2,
    });
    expect(sample.redis.latencyMs).toBeGreaterThanOrEqual(0);
    expect(sample.redis.latencyMs).toBeLessThan(1000);
  });

  it('answers within the timeout while the master is SIGSTOPped (down: ping-timeout); liveness stays 200', async () => {
    const master = topology.nodeAt(await topology.currentMaster());
    await health(app); // sentinel connections open
    master.pause();
    paused.add(master);
    let http: Sample;
    let direct: { result: Awaited<ReturnType<RedisSentinelHealthIndicator['isHealthy']>>; ms: number };
    let live: request.Response;
    try {
      // Paused well below down-after-milliseconds (1000), so the sentinels do not fail over.
      [http, direct, live] = await Promise.all([
        health(app, 400),
        (async () => {
          const started = performance.now();
          const result = await indicator.isHealthy('redis', { timeout: 400 });
          return { result, ms: performance.now() - started };
        })(),
        request(app.getHttpServer()).get('/health/live'),
      ]);
    } finally {
      master.resume();
      paused.delete(master);
    }
    bodies.push(http.body, direct.result);
    measured['check with SIGSTOPped master, timeout 400 (indicator ms)'] = Math.round(direct.ms);
    measured['check with SIGSTOPped master, timeout 400 (HTTP ms)'] = Math.round(http.ms);
    expect(direct.ms).toBeGreaterThanOrEqual(390);
    expect(direct.ms).toBeLessThan(400 + 300);
    expect(http.ms).toBeLessThan(400 + 300);
    expect(http.code).toBe(503);
    expect(http.body.status).toBe('error');
    expect(http.redis).toMatchObject({ status: 'down', reason: 'ping-timeout', connectedTo: addr(master.address), latencyMs: null });
    expect(http.redis.message).toMatch(/did not answer within 400 ms/);
    expect(direct.result['redis']).toMatchObject({ status: 'down', reason: 'ping-timeout' });
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ status: 'ok' });
    await until(() => health(app), (sample) => sample.code === 200, 15_000);
  });

  it('reports the new master within a few seconds of SENTINEL FAILOVER, and is up on it', async () => {
    await topology.waitForStable(30_000);
    // Poll /health from the trigger on, so the time it takes to report the new master is measured.
    const samples: Sample[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        samples.push(await health(app));
        await sleep(50);
      }
    })();
    const started = performance.now();
    let from: Address;
    let to: Address;
    try {
      ({ from, to } = await topology.failover());
      measured['SENTINEL FAILOVER: trigger -> every sentinel names the new master, ms'] = Math.round(performance.now() - started);
      await until(
        async () => samples.at(-1),
        (sample) => sample !== undefined && sample.code === 200 && sample.redis.master === addr(to) && sample.redis.connectedTo === addr(to),
        15_000,
        50,
      );
    } finally {
      polling = false;
      await poller;
    }
    const firstNamed = samples.find((sample) => sample.redis.master === addr(to))!;
    const done = samples.find((sample) => sample.code === 200 && sample.redis.master === addr(to) && sample.redis.connectedTo === addr(to))!;
    measured['SENTINEL FAILOVER: trigger -> /health reports the new master, ms'] = Math.round(firstNamed.at - started);
    measured['SENTINEL FAILOVER: trigger -> /health up on the new master, ms'] = Math.round(done.at - started);
    measured['SENTINEL FAILOVER: down reasons seen while switching'] =
      [...new Set(samples.filter((sample) => sample.code !== 200).map((sample) => sample.redis.reason))].join(', ') || 'none';
    bodies.push(...samples.map((sample) => sample.body));
    expect(addr(from)).not.toBe(addr(to));
    expect(firstNamed.at - started).toBeLessThan(5_000);
    expect(done.at - started).toBeLessThan(8_000);
    expect(done.redis).toMatchObject({ status: 'up', role: 'master', roleSource: 'node' });
  }, 60_000);

  it('is 503 with a reason when the master is killed, then up again on the new master', async () => {
    await topology.waitForStable(30_000, 1);
    const victim = topology.nodeAt(await topology.currentMaster());
    const started = performance.now();
    await victim.kill();
    const done = await until(
      () => health(app, 500),
      (sample) => sample.code === 200 && sample.redis.master !== addr(victim.address) && sample.redis.connectedTo === sample.redis.master,
      30_000,
    );
    bodies.push(...done.seen.map((sample) => sample.body));
    const firstDown = done.seen.find((sample) => sample.code === 503);
    expect(firstDown).toBeDefined();
    expect(firstDown!.redis.status).toBe('down');
    expect(['client-not-ready', 'ping-failed', 'ping-timeout', 'stale-master']).toContain(firstDown!.redis.reason);
    expect(firstDown!.redis.message).toEqual(expect.any(String));
    expect(firstDown!.at - started).toBeLessThan(2_000);
    measured['kill -9 master: -> first 503, ms'] = Math.round(firstDown!.at - started);
    measured['kill -9 master: 503 reasons'] = [...new Set(done.seen.filter((s) => s.code === 503).map((s) => s.redis.reason))].join(', ');
    measured['kill -9 master: -> up on the new master, ms'] = Math.round(done.value.at - started);
    expect(done.value.redis.master).toBe(addr(await topology.currentMaster()));
    expect(done.value.redis.role).toBe('master');
  }, 60_000);

  it('stays up, flagged, below the sentinel quorum; with no sentinel left it is still up (the node confirms its role)', async () => {
    await topology.sentinels[0]!.kill();
    await topology.sentinels[1]!.kill();
    const fewer = await health(app);
    bodies.push(fewer.body);
    expect(fewer.code).toBe(200);
    expect(fewer.redis).toMatchObject({ status: 'up', degraded: true, role: 'master', sentinels: { reachable: 1, total: 3, agree: true, quorum: 2 } });
    expect(fewer.redis.warnings?.[0]).toMatch(/2 of 3 sentinels do not answer .*Fewer than the 2 needed to fail over/);
    expect(Object.keys(fewer.redis.sentinels.answers ?? {})).toHaveLength(3);
    // Opt-in: Terminus 12's "degraded" status instead of "up" (still no 503).
    const degraded = await indicator.isHealthy('redis', { degradedStatus: 'degraded' });
    expect(degraded['redis']).toMatchObject({ status: 'degraded', degraded: true });

    await topology.sentinels[2]!.kill();
    const none = await health(app);
    bodies.push(none.body);
    expect(none.code).toBe(200);
    expect(none.ms).toBeLessThan(1_000 + 300);
    expect(none.redis).toMatchObject({
      status: 'up',
      degraded: true,
      master: null,
      role: 'master',
      roleSource: 'node',
      sentinels: { reachable: 0, total: 3, agree: false },
    });
    expect(none.redis.warnings?.[0]).toMatch(/No sentinel answers \(0 of 3/);
  });

  it('never shows a password, in a response or a log line', () => {
    expect(bodies.length).toBeGreaterThan(5);
    expect(JSON.stringify(bodies)).not.toContain(topology.password);
    expect(logger.text()).not.toContain(topology.password);
  });
});

describe('RedisSentinelHealthIndicator with the seed ACLs verbatim', () => {
  let topology: Topology;
  let app: INestApplication;

  beforeAll(async () => {
    topology = await startTopology({ acl: 'seed' });
    // Without SUBSCRIBE the module falls back to polling the sentinels (~0.5 s behind a switch); with the
    // detector off entirely, the connection stays stale until a write meets READONLY: what we check here.
    ({ app } = await startHealthApp(optionsFor(topology, { namespace: 'health-seed', failoverDetector: false })));
  }, 60_000);

  afterAll(async () => {
    try {
      await app?.close();
    } finally {
      await topology?.stop();
    }
  }, 30_000);

  it('is up with the role from the sentinels, and says what it could not check', async () => {
    const master = addr(await topology.currentMaster());
    const sample = await health(app);
    expect(sample.code).toBe(200);
    expect(sample.redis).toMatchObject({
      status: 'up',
      master,
      connectedTo: master,
      role: 'master',
      roleSource: 'sentinels',
      sentinels: { reachable: 3, total: 3, agree: true, quorum: 2 },
      replicas: 2,
    });
    expect(sample.redis.unchecked).toEqual([expect.stringMatching(/user "default" may not run INFO or ROLE .*"\+info"/)]);
    expect(JSON.stringify(sample.body)).not.toContain(topology.password);
  });

  it('reports the stale connection after a failover the client does not follow (detector off), until it moves', async () => {
    const started = performance.now();
    const { from, to } = await topology.failover();
    const stale = await health(app);
    expect(stale.code).toBe(503);
    expect(stale.redis).toMatchObject({ status: 'down', reason: 'stale-master', master: addr(to), connectedTo: addr(from) });
    expect(stale.redis.message).toMatch(/connected to .* but the sentinels name .* stale/);
    // The client leaves the demoted master on its first READONLY write (reconnectOnError): write until it has.
    const cache = app.get<Cache>(CACHE_MANAGER);
    const done = await until(
      async () => {
        await cache.set('probe', Date.now()).catch(() => undefined);
        return health(app);
      },
      (sample) => sample.code === 200 && sample.redis.connectedTo === addr(to),
      30_000,
      250,
    );
    measured['seed ACL: failover -> stale-master reported at, ms'] = Math.round(stale.at - started);
    measured['seed ACL: failover -> up on the new master (after a write), ms'] = Math.round(done.value.at - started);
    expect(done.value.redis).toMatchObject({ status: 'up', master: addr(to), role: 'master' });
  }, 60_000);

  it('keeps one connection per sentinel between checks and closes it on application shutdown', async () => {
    const probes = async () => {
      const list = String(await topology.adminCommand(topology.sentinels[0]!, 'CLIENT', 'LIST'));
      return list.split('\n').filter((line) => /\bname=nestjs-redis-sentinel-cache:health\b/.test(line)).length;
    };
    const before = await probes();
    const other = await startHealthApp(optionsFor(topology, { namespace: 'health-other' }));
    let closed = false;
    try {
      for (let i = 0; i < 3; i += 1) expect((await health(other.app)).code).toBe(200);
      expect(await probes()).toBe(before + 1);
      await other.app.close();
      closed = true;
      await until(probes, (count) => count === before, 2_000, 50);
    } finally {
      if (!closed) await other.app.close();
    }
  });

  it('is 503 "master-unconfirmed" within the timeout when every sentinel is stopped (no INFO/ROLE to confirm)', async () => {
    for (const sentinel of topology.sentinels) await sentinel.kill();
    const sample = await health(app);
    expect(sample.code).toBe(503);
    expect(sample.ms).toBeLessThan(1_000 + 300);
    expect(sample.redis).toMatchObject({ status: 'down', reason: 'master-unconfirmed', master: null, sentinels: { reachable: 0, total: 3 } });
    expect(sample.redis.message).toMatch(/No sentinel answers \(0 of 3\).*may not run INFO or ROLE/);
  });
});
