/**
 * Outages without a failover, under load, through the sample app over real redis-server/sentinel
 * processes (corrected ACLs):
 * 5. every sentinel killed while the master stays up: the app keeps serving from the cache and
 *    /health says so (up, sentinels unreachable);
 * 6. the app booted while no Redis is reachable: it starts (bounded), serves uncached, /health is 503;
 *    then the topology starts and the app recovers without a restart.
 * Prints a table of the figures.
 */
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_SENTINEL_CLIENT } from '../../../lib/index.js';
import { allocatePorts } from '../../../scripts/topology/free-ports.js';
import { startTopology, type Topology } from '../../../scripts/topology/topology.js';
import { startSampleApp } from '../../../sample-app/bootstrap.js';
import { CaptureLogger } from '../helpers/capture-logger.js';
import {
  cacheStoreOf,
  health,
  type HealthAnswer,
  sampleOptions,
  stopTopology,
  useHarness,
  waitForHealth,
} from './helpers/harness.js';
import { LoadGenerator } from './helpers/load-generator.js';
import { missingOnMaster, ProbeWriter } from './helpers/probe-writer.js';
import { printTable } from './helpers/report-table.js';
import { boundFailures, checkServesFresh, explain, loadFigures, runFaultScenario, type ScenarioResult } from './helpers/scenario.js';

const TOPOLOGY = { downAfterMs: 1_000, failoverTimeoutMs: 2_000 } as const;
const results: ScenarioResult[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(() => printTable('Outages without a failover, under load', results));

describe('5. every sentinel killed while the master stays up', () => {
  const harness = useHarness({ acl: 'fixed', ...TOPOLOGY });

  it('keeps serving from the cache, writes keep landing on the master, /health says so', async () => {
    let during: HealthAnswer | undefined;
    let master = '';
    const details = await runFaultScenario(harness(), {
      scenario: '5 all sentinels killed',
      expectSwitch: false,
      inject: async ({ topology: t, url }) => {
        const address = await t.currentMaster();
        master = `${address.host}:${address.port}`;
        await Promise.all(t.sentinels.map((sentinel) => sentinel.kill('SIGKILL')));
        await sleep(2_000);
        during = await health(url);
        await sleep(1_000);
      },
      restore: async ({ topology: t }) => {
        for (const sentinel of t.sentinels) await sentinel.restart();
      },
    });
    results.push(details.result, ...(details.compare ? [details.compare] : []));
    const failures = boundFailures(details.result, { faultToFirstWriteMs: 1_000, lostBeforeSwitch: 0 }, { expectSwitch: false });
    if (details.result.cacheHits === 0) failures.push('no cache hit during the outage of the sentinels');
    // Health while every sentinel is down: still serving (200), connected to the master, sentinels unreachable.
    if (during?.status !== 200 || during.connectedTo !== master) {
      failures.push(`/health while the sentinels are down: ${during?.status} ${JSON.stringify(during?.body)} (want 200, connectedTo ${master})`);
    }
    const sentinels = JSON.stringify(during?.body ?? '');
    if (!/"reachable":0/.test(sentinels)) failures.push(`/health does not report the sentinels unreachable: ${sentinels}`);
    expect(failures.length === 0 ? 'all bounds hold' : `${failures.join('\n')}\n\n${explain(details)}`).toBe('all bounds hold');
  }, 120_000);
});

describe('6. the app booted while no Redis is reachable, then the topology starts', () => {
  let topology: Topology | undefined;
  let app: INestApplication | undefined;
  let load: LoadGenerator | undefined;
  let probe: ProbeWriter | undefined;

  afterAll(async () => {
    await Promise.all([load?.stop(), probe?.stop()]);
    await app?.close().catch(() => undefined);
    await stopTopology(topology);
  }, 60_000);

  it('starts within startupTimeout, serves uncached with /health 503, then recovers without a restart', async () => {
    const [master, r1, r2, s1, s2, s3] = await allocatePorts(6);
    const ports = { master: master!, replicas: [r1!, r2!] as [number, number], sentinels: [s1!, s2!, s3!] as [number, number, number] };
    const password = randomBytes(16).toString('hex');
    const planned = {
      sentinelAddresses: ports.sentinels.map((port) => ({ host: '127.0.0.1', port })),
      masterName: 'primary',
      password,
    };
    const logger = new CaptureLogger();
    const bootStarted = Date.now();
    const started = await startSampleApp(sampleOptions(planned), { logger });
    app = started.app;
    const bootMs = Date.now() - bootStarted;
    const failures: string[] = [];
    if (bootMs > 5_000 + 3_000) failures.push(`boot took ${bootMs} ms with Redis unreachable (startupTimeout 5000)`);

    // No Redis: answers, uncached, health 503, liveness 200.
    const url = started.url;
    const id = `boot-${Date.now()}`;
    const post = await fetch(`${url}/products/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"price":7}' });
    const reads = [await fetch(`${url}/products/${id}`), await fetch(`${url}/products/${id}`)];
    const noRedis = {
      post: post.status,
      reads: reads.map((r) => `${r.status} ${r.headers.get('x-cache')}`),
      health: (await health(url)).status,
      live: (await health(url, '/health/live')).status,
    };
    if (JSON.stringify(noRedis) !== JSON.stringify({ post: 200, reads: ['200 MISS', '200 MISS'], health: 503, live: 200 })) {
      failures.push(`without Redis: ${JSON.stringify(noRedis)} (want POST 200, reads 200 MISS, /health 503, /health/live 200)`);
    }

    load = new LoadGenerator(url, { prefix: 'boot', maxDurationMs: 60_000 });
    probe = new ProbeWriter(cacheStoreOf(app), app.get<Redis>(REDIS_SENTINEL_CLIENT), `sample:probe:boot:${Date.now()}`);
    await sleep(1_500);
    const topologyStart = Date.now();
    topology = await startTopology({ acl: 'fixed', ...TOPOLOGY, ports, password });
    const topologyUp = Date.now();
    const address = await topology.currentMaster();
    let firstWrite;
    for (const deadline = topologyUp + 20_000; Date.now() < deadline; await sleep(50)) {
      firstWrite ??= probe.firstAckOn(address.port, topologyStart);
      if (firstWrite && Date.now() > firstWrite.ackAt! + 2_000) break;
    }
    const [stats] = await Promise.all([load.stop(), probe.stop()]);
    const acked = probe.acked();
    const missing = await missingOnMaster(topology, acked);
    const postRecovery = await checkServesFresh(url, 'boot');
    const key = `${address.host}:${address.port}`;
    const finalHealth = await waitForHealth(url, (answer) => answer.status === 200 && answer.master === key, 10_000);
    const result: ScenarioResult = {
      scenario: '6 boot without Redis, then topology up',
      acl: 'fixed',
      mechanisms: 'on',
      switches: 0,
      ...loadFigures(stats),
      // "fault" here is the start of the topology (startTopology called): how long until the app uses it.
      faultToFirstWriteMs: firstWrite ? firstWrite.ackAt! - topologyStart : undefined,
      probeAcked: acked.length,
      probeFailed: probe.writes.length - acked.length,
      lostAfterSwitch: 0,
      lostBeforeSwitch: missing.length,
      from: 'none',
      to: key,
      health: `${finalHealth.status} master=${String(finalHealth.master)}`,
      healthNamesMaster: finalHealth.status === 200 && finalHealth.master === key,
      postRecoveryOk: postRecovery.ok,
    };
    results.push(result);
    failures.push(...boundFailures(result, { faultToFirstWriteMs: 15_000, lostBeforeSwitch: 0 }, { expectSwitch: false }));
    const why = [
      `boot ${bootMs} ms; without Redis ${JSON.stringify(noRedis)}; topology up in ${topologyUp - topologyStart} ms`,
      JSON.stringify(result),
      `HTTP ${JSON.stringify(stats.byStatus)} ${stats.firstErrors.join('\n')}`,
      `post-recovery: ${postRecovery.detail}`,
      `health: ${JSON.stringify(finalHealth.body)}`,
      `app log:\n  ${logger.lines.map((line) => `${line.level}: ${line.message}`).slice(-30).join('\n  ')}`,
    ].join('\n');
    expect(failures.length === 0 ? 'all bounds hold' : `${failures.join('\n')}\n\n${why}`).toBe('all bounds hold');
  }, 120_000);
});
