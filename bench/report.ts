/** Markdown tables of a results file (bench/results/latest.md, and the text of docs/performance.md). */
import type { ContenderName } from './contenders.js';
import { FAILOVER_LABELS, type FailoverBenchResult } from './failover.bench.js';
import { HTTP_CONTENDERS, HTTP_LABELS, TARGET_REDIS_VS_MEMORY, TARGET_SLOW_CACHED_VS_UNCACHED, type HttpBenchResult } from './http.bench.js';
import type { LoadAverage, MachineInfo } from './machine.js';
import { metricsSection, type MetricsBenchResult } from './metrics.report.js';
import type { ProfileResult } from './profile.js';
import { TARGET_VS_IOREDIS, TARGET_VS_KEYV_REDIS, type HeapResult, type StoreBenchResult } from './store.bench.js';
import { fmt, ratio } from './stats.js';

export interface BenchResults {
  schema: 1;
  command: string;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  durationSec: number;
  machine: MachineInfo;
  load: { atStart: LoadAverage; atEnd: LoadAverage; idleWait: { waitedSec: number; reached: boolean; threshold: number } };
  store?: StoreBenchResult;
  profile?: ProfileResult;
  http?: HttpBenchResult;
  failover?: FailoverBenchResult;
  /** The same on a topology with the seed's ACLs verbatim. */
  failoverSeed?: FailoverBenchResult;
  metrics?: MetricsBenchResult;
}

const ms = (value: number | null | undefined, digits = 2) => (value === null || value === undefined ? '–' : fmt(value, digits));

function storeTable(store: StoreBenchResult): string[] {
  const lines = [
    `| operation | value | conc. | ours ops/s | ours p50 / p99 ms | raw ioredis ops/s | raw p50 / p99 ms | @keyv/redis ops/s | @keyv/redis p50 / p99 ms | ours ÷ raw ioredis (≥ ${TARGET_VS_IOREDIS}) | ours ÷ @keyv/redis (≥ ${TARGET_VS_KEYV_REDIS}) | ours p99 ÷ raw p99 (≤ 1 at c=64) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of store.rows) {
    const c = row.contenders;
    const cell = (name: ContenderName) => [fmt(c[name].opsPerSec), `${ms(c[name].p50Ms, 3)} / ${ms(c[name].p99Ms, 3)}`];
    const mark = (ok: boolean) => (ok ? '' : ' ✗');
    lines.push(
      `| ${row.op} | ${row.valueBytes >= 1024 ? `${row.valueBytes / 1024} KB` : `${row.valueBytes} B`} | ${row.concurrency} | ${cell('ours').join(' | ')} | ${cell('ioredis').join(' | ')} | ${cell('keyv-redis').join(' | ')} | ` +
        `**${ratio(row.oursVsIoredis)}**${mark(row.oursVsIoredis >= TARGET_VS_IOREDIS)} | **${ratio(row.oursVsKeyvRedis)}**${mark(row.oursVsKeyvRedis >= TARGET_VS_KEYV_REDIS)} | ` +
        `${ratio(row.oursP99VsIoredis)}${row.concurrency === 64 ? mark(row.oursP99VsIoredis <= 1) : ''} |`,
    );
  }
  return lines;
}

function heapTable(heap: HeapResult): string[] {
  const lines = ['| contender | heap retained (KiB) | bytes per value | repeats (KiB) |', '|---|---:|---:|---:|'];
  for (const [name, c] of Object.entries(heap.contenders)) {
    if (!c) continue;
    lines.push(`| ${name} | ${fmt(c.retainedBytes / 1024, 0)} | ${fmt(c.bytesPerValue, 1)} | ${c.repeats.map((r) => fmt(r / 1024, 0)).join(' / ')} |`);
  }
  const mark = heap.oursVsKeyvRedis <= 1 ? '' : ' ✗';
  lines.push('', `Ours ÷ @keyv/redis: **${ratio(heap.oursVsKeyvRedis)}**${mark} (target ≤ 1).`);
  return lines;
}

function profileTable(profile: ProfileResult): string[] {
  const buckets = new Set<string>();
  for (const entry of profile.entries) for (const name of Object.keys(entry.usPerOp)) buckets.add(name);
  const order = [...buckets].sort((a, b) => {
    const total = (name: string) => profile.entries.reduce((t, e) => t + (e.usPerOp[name] ?? 0), 0);
    return total(b) - total(a);
  });
  const header = ['row', 'contender', 'ops/s', 'busy µs/op', 'without socket writes', ...order];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const e of profile.entries) {
    lines.push(
      `| ${e.row.op} ${e.row.valueBytes} B c=${e.row.concurrency} | ${e.contender} | ${fmt(e.opsPerSec)} | **${fmt(e.totalUsPerOp, 1)}** | **${fmt(e.withoutSocketWritesUsPerOp, 1)}** | ` +
        order.map((name) => (e.usPerOp[name] === undefined ? '' : fmt(e.usPerOp[name], 1))).join(' | ') +
        ' |',
    );
  }
  return lines;
}

function httpTable(http: HttpBenchResult): string[] {
  const lines = ['| `GET /products/1` | requests/s | p50 ms | p99 ms | non-2xx | errors |', '|---|---:|---:|---:|---:|---:|'];
  for (const name of HTTP_CONTENDERS) {
    const c = http.contenders[name];
    lines.push(`| ${HTTP_LABELS[name]} | ${fmt(c.requestsPerSec)} | ${ms(c.p50Ms, 0)} | ${ms(c.p99Ms, 0)} | ${c.non2xx} | ${c.errors} |`);
  }
  const mark = (ok: boolean) => (ok ? '' : ' ✗');
  lines.push(
    '',
    `Redis-cached ÷ in-memory: **${ratio(http.redisVsMemory)}**${mark(http.redisVsMemory >= TARGET_REDIS_VS_MEMORY)} (target ≥ ${TARGET_REDIS_VS_MEMORY}) · ` +
      `Redis-cached ÷ uncached: **${ratio(http.redisVsUncached)}** · with a 2 ms handler, Redis-cached ÷ uncached: ` +
      `**${ratio(http.slowRedisVsUncached)}**${mark(http.slowRedisVsUncached >= TARGET_SLOW_CACHED_VS_UNCACHED)} (target ≥ ${TARGET_SLOW_CACHED_VS_UNCACHED}) (requests/s, median of per-round ratios).`,
  );
  return lines;
}

function failoverTable(failover: FailoverBenchResult): string[] {
  const lines = [
    `| fault | client | n | trigger → +switch-master ms (p50 / p95 / max) | +switch-master → first write on new master ms (p50 / **p95** / max; target p95 ≤ ${failover.targetSwitchToFirstWriteP95Ms}) | longest write pause ms (p50 / max) | failed writes | acked writes | acked then lost | acked then invalidated by the module |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of failover.summary) {
    const s = row.switchToFirstWriteMs;
    const t = row.triggerToSwitchMs;
    const mark = row.meetsTarget === false ? ' ✗' : '';
    const p = (v: number) => (Number.isFinite(v) ? fmt(v, 0) : 'none');
    lines.push(
      `| ${row.kind === 'planned' ? `SENTINEL FAILOVER${row.via === undefined ? '' : ` via sentinel ${row.via}`}` : 'kill -9 master'} | ${FAILOVER_LABELS[row.contender]} | ${row.faults} | ${fmt(t.p50)} / ${fmt(t.p95)} / ${fmt(t.max)} | ` +
        `${p(s.p50)} / **${p(s.p95)}**${mark} / ${p(s.max)}${s.missing ? ` (${s.missing} without)` : ''} | ${fmt(row.longestAckGapMs.p50)} / ${fmt(row.longestAckGapMs.max)} | ${fmt(row.failed)} | ${fmt(row.acked)} | ${fmt(row.lost)} | ${row.contender === 'ours' ? fmt(row.invalidated ?? 0) : '–'} |`,
    );
  }
  return lines;
}

export function machineLine(results: BenchResults): string {
  const m = results.machine;
  return (
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, Redis ${m.redis}; ` +
    `ioredis ${m.packages['ioredis']}, cache-manager ${m.packages['cache-manager']}, keyv ${m.packages['keyv']}, ` +
    `@keyv/redis ${m.packages['@keyv/redis']} (@redis/client ${m.packages['@redis/client']}), @nestjs/core ${m.packages['@nestjs/core']}. ` +
    `Load average (1/5/15 min) at start ${results.load.atStart.join(' / ')}, at end ${results.load.atEnd.join(' / ')}.`
  );
}

export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [
    `# Benchmark results${results.quick ? ' (quick smoke run: not representative)' : ''}`,
    '',
    `\`${results.command}\` — ${results.startedAt}, ${Math.round(results.durationSec)} s.`,
    '',
    `Machine: ${machineLine(results)}`,
    '',
  ];
  if (results.store) {
    const s = results.store.settings;
    out.push(
      '## Store: throughput and latency',
      '',
      `Each row: the three contenders interleaved, order rotated, ${s.rounds} rounds of ${s.batchMs} ms per contender; ` +
        'ops/s and p50/p99 are medians over rounds; the ratios are medians of the per-round ratios of ops/s. ' +
        `Values are strings; @keyv/redis stores them in Keyv's JSON envelope, ours behind a short header (the string as it is), raw ioredis as they are. set-ttl uses a ${results.store.ttlMs / 1000} s ttl; mget reads 50 keys. ✗ = target missed.`,
      '',
      ...storeTable(results.store),
      '',
      `Targets met: ours ≥ ${TARGET_VS_IOREDIS}× raw ioredis on ${results.store.rows.filter((r) => r.oursVsIoredis >= TARGET_VS_IOREDIS).length}/${results.store.rows.length} rows, ` +
        `ours ≥ ${TARGET_VS_KEYV_REDIS}× @keyv/redis on ${results.store.rows.filter((r) => r.oursVsKeyvRedis >= TARGET_VS_KEYV_REDIS).length}/${results.store.rows.length} rows, ` +
        `ours p99 ≤ raw ioredis p99 on ${results.store.rows.filter((r) => r.concurrency === 64 && r.oursP99VsIoredis <= 1).length}/${results.store.rows.filter((r) => r.concurrency === 64).length} rows at c=64.`,
      '',
    );
    if (results.store.heap) {
      const h = results.store.heap;
      out.push(
        `### Heap: ${fmt(h.values)} cached ${h.valueBytes} B values read back and held`,
        '',
        'Heap retained after a full GC while holding the values (each contender reads them 100 at a time), minus the heap before; median of repeats.',
        '',
        ...heapTable(h),
        '',
      );
    }
  }
  if (results.profile) {
    out.push(
      '## Where the CPU goes (V8 sampling profiler, self time per operation)',
      '',
      `${results.profile.settings.seconds} s per contender and row, at concurrency 1 (round trips; the CPU per call adds to each) and 64 (where throughput is bound by this process's CPU): ` +
        'microseconds per operation the Node thread spent busy, by package (V8 samples\' self time; idle excluded; a descheduled thread inflates it, so read it on a quiet machine).',
      '',
      ...profileTable(results.profile),
      '',
    );
  }
  if (results.http) {
    const h = results.http.settings;
    out.push(
      '## HTTP: the sample app behind `CacheInterceptor`',
      '',
      `autocannon (child process), ${h.connections} connections, ${h.rounds} rounds of ${h.durationSec} s per variant, interleaved; medians.`,
      '',
      ...httpTable(results.http),
      '',
    );
  }
  for (const failover of [results.failover, results.failoverSeed]) {
    if (!failover) continue;
    const f = failover.settings;
    out.push(
      failover.acl === 'seed' ? "## Failover recovery, the seed's ACLs verbatim" : '## Failover recovery',
      '',
      ...(failover.acl === 'seed'
        ? ["The same, on a topology with the seed's ACL users verbatim: the app user may not SUBSCRIBE on the sentinels nor run INFO on the data nodes.", '']
        : []),
      `${f.planned} SENTINEL FAILOVERs (sent to each sentinel in turn: it leads the failover) and ${f.kills} master kill -9s, interleaved; the clients write at the same time ` +
        `(${f.writesPerSec} writes/s each, open loop, unique keys) through the same faults. "Acked then lost": acknowledged keys ` +
        'missing when read back from the master as admin once the topology is stable again, except the keys the module deleted itself ' +
        '("invalidated": written within `recentWritesWindow` before the client moved to the new master, or failed writes; read as misses, never as stale values). Ours runs with `onError: \'throw\'` ' +
        'so that a failed write is counted (with the default fail-open it would be a silent no-op).',
      '',
      ...failoverTable(failover),
      '',
    );
  }
  if (results.metrics) out.push(...metricsSection(results.metrics));
  return out.join('\n');
}
