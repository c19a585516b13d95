/**
 * `npm run bench [-- --quick] [-- --only store,http,...]`: store overhead against raw ioredis and
 * @keyv/redis, the HTTP cost of CacheInterceptor in the sample app, and failover recovery against
 * plain ioredis, on a local Sentinel topology (free ports, stopped on every way out). Writes
 * bench/results/latest.json and latest.md (quick runs: quick.json / quick.md). Exits non-zero on a crash.
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AclMode, startTopology, type Topology } from '../scripts/topology/topology.js';
import { parseArgs, UsageError, type BenchArgs } from './args.js';
import { runFailoverBench, type FailoverBenchSettings } from './failover.bench.js';
import { runHttpBench, type HttpBenchSettings } from './http.bench.js';
import { runMetricsBench, type MetricsBenchSettings } from './metrics.bench.js';
import { cleanupAll, errorText, installSignalHandlers, onCleanup } from './lifecycle.js';
import { loadAverage, machineInfo, waitForIdle } from './machine.js';
import { runProfile, type ProfileSettings } from './profile.js';
import { renderMarkdown, type BenchResults } from './report.js';
import { runStoreBench, type StoreBenchSettings } from './store.bench.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function settingsFor(args: BenchArgs): {
  store: StoreBenchSettings;
  profile: ProfileSettings;
  http: HttpBenchSettings;
  failover: FailoverBenchSettings;
  /** How many faults of each kind on the seed's-ACL topology (the other settings as `failover`). */
  failoverSeed: { planned: number; kills: number };
  metrics: MetricsBenchSettings;
} {
  const q = args.quick;
  return {
    store: {
      rounds: args.rounds ?? (q ? 1 : 11),
      batchMs: q ? 100 : 300,
      warmupMs: q ? 30 : 200,
      keyspace: 1_000,
      maxOpsPerBatch: 500_000,
    },
    profile: {
      seconds: q ? 0.3 : 2,
      rows: [
        { op: 'get-hit', valueBytes: 100, concurrency: 1 },
        { op: 'set-ttl', valueBytes: 100, concurrency: 1 },
        { op: 'get-hit', valueBytes: 100, concurrency: 64 },
        { op: 'get-hit', valueBytes: 10_240, concurrency: 64 },
        { op: 'set-ttl', valueBytes: 100, concurrency: 64 },
        { op: 'set-ttl', valueBytes: 10_240, concurrency: 64 },
        { op: 'mget-50', valueBytes: 100, concurrency: 64 },
      ],
    },
    http: { rounds: q ? 1 : 5, durationSec: q ? 1 : 3, warmupSec: 1, connections: 32 },
    failover: {
      planned: args.planned ?? (q ? 1 : 12),
      kills: args.kills ?? (q ? 1 : 5),
      writesPerSec: 250,
      maxInFlight: 5_000,
      preTriggerMs: 1_000,
      switchTimeoutMs: 30_000,
      settleMaxMs: 25_000,
      stableTimeoutMs: 45_000,
      postStableMs: 500,
      drainMs: 15_000,
    },
    failoverSeed: { planned: q ? 1 : 6, kills: q ? 1 : 3 },
    metrics: { rounds: args.rounds ?? (q ? 3 : 41), batchMs: q ? 200 : 500, warmupMs: q ? 100 : 1_000, keyspace: 1_000, maxOpsPerBatch: 500_000 },
  };
}

async function withTopology<T>(label: string, log: (line: string) => void, body: (topology: Topology) => Promise<T>, acl: AclMode = 'fixed'): Promise<T> {
  const started = Date.now();
  const topology = await startTopology({ acl });
  const stop = onCleanup(`topology (${label})`, () => topology.stop());
  const ports = [...topology.dataNodes, ...topology.sentinels].map((n) => n.port).join(', ');
  log(`  topology for ${label} up in ${Date.now() - started} ms (ports ${ports})`);
  try {
    return await body(topology);
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  installSignalHandlers();
  const args = parseArgs(process.argv.slice(2));
  const settings = settingsFor(args);
  const log = (line: string) => console.log(line);
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

  let idle = { waitedMs: 0, reached: true, load: loadAverage() };
  if (args.idleWaitMaxSec > 0) {
    log(`Waiting (at most ${args.idleWaitMaxSec} s) for the 1-minute load average to drop below ${args.idleThreshold}...`);
    idle = await waitForIdle(args.idleThreshold, args.idleWaitMaxSec * 1000);
    if (!idle.reached) log(`  still busy (load ${idle.load.join(' ')}); running anyway, the load is recorded in the results.`);
  }
  const startedAt = new Date();
  const atStart = loadAverage();
  const machine = await machineInfo(ROOT);
  log(`${command}: ${args.parts.join(', ')} on ${machine.cpus} × ${machine.cpuModel}; load average ${atStart.join(' ')}`);

  const results: BenchResults = {
    schema: 1,
    command,
    quick: args.quick,
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    durationSec: 0,
    machine,
    load: { atStart, atEnd: atStart, idleWait: { waitedSec: Math.round(idle.waitedMs / 1000), reached: idle.reached, threshold: args.idleThreshold } },
  };

  const wantsRedisParts = args.parts.some((p) => p === 'store' || p === 'profile' || p === 'http' || p === 'metrics');
  if (wantsRedisParts) {
    await withTopology('store and http', log, async (topology) => {
      if (args.parts.includes('store')) {
        log('Store: ours vs raw ioredis vs @keyv/redis');
        results.store = await runStoreBench(topology, settings.store, log);
      }
      if (args.parts.includes('profile')) {
        log('Profile: CPU per operation by package');
        results.profile = await runProfile(topology, settings.profile, log);
      }
      if (args.parts.includes('http')) {
        log('HTTP: sample app, cached (Redis) vs cached (memory) vs uncached');
        results.http = await runHttpBench(topology, settings.http, log);
      }
      if (args.parts.includes('metrics')) {
        log('Metrics: get-hit 100 B c=1 without a MeterProvider vs with the SDK one');
        results.metrics = await runMetricsBench(topology, settings.metrics, log);
      }
    });
  }
  if (args.parts.includes('failover')) {
    await withTopology('failover', log, async (topology) => {
      log(`Failover: ${settings.failover.planned} SENTINEL FAILOVERs + ${settings.failover.kills} kill -9s, ours vs ioredis defaults`);
      results.failover = await runFailoverBench(topology, settings.failover, log);
    });
    const seed = { ...settings.failover, planned: settings.failoverSeed.planned, kills: settings.failoverSeed.kills };
    await withTopology(
      "failover, the seed's ACLs",
      log,
      async (topology) => {
        log(`Failover under the seed's ACLs: ${seed.planned} SENTINEL FAILOVERs + ${seed.kills} kill -9s, ours vs ioredis defaults`);
        results.failoverSeed = await runFailoverBench(topology, seed, log);
      },
      'seed',
    );
  }

  results.load.atEnd = loadAverage();
  results.finishedAt = new Date().toISOString();
  results.durationSec = Math.round((Date.now() - startedAt.getTime()) / 1000);
  const out = path.resolve(ROOT, args.out);
  await mkdir(path.dirname(out), { recursive: true });
  const markdown = renderMarkdown(results);
  await writeFile(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${out}.md`, `${markdown}\n`);
  console.log(`\n${markdown}\n\nWrote ${path.relative(ROOT, out)}.json and .md (${results.durationSec} s).`);
}

main()
  .then(async () => {
    await cleanupAll();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    const detail = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : errorText(error);
    console.error(`bench failed: ${detail}`);
    await cleanupAll();
    process.exit(1);
  });
