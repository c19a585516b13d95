/** Markdown tables of a results file (bench/results/latest.md, and the text of docs/performance.md). */
import type { ContenderName } from './contenders.js';
import { FAILOVER_LABELS, type FailoverBenchResult } from './failover.bench.js';
import { HTTP_CONTENDERS, HTTP_LABELS, type HttpBenchResult } from './http.bench.js';
import type { LoadAverage, MachineInfo } from './machine.js';
import type { ProfileResult } from './profile.js';
import { TARGET_VS_IOREDIS, TARGET_VS_KEYV_REDIS, type StoreBenchResult } from './store.bench.js';
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
}

const ms = (value: number | null | undefined, digits = 2) => (value === null || value === undefined ? '–' : fmt(value, digits));

function storeTable(store: StoreBenchResult): string[] {
  const lines = [
    `| operation | value | conc. | ours ops/s | ours p50 / p99 ms | raw ioredis ops/s | raw p50 / p99 ms | @keyv/redis ops/s | @keyv/redis p50 / p99 ms | ours ÷ raw ioredis (≥ ${TARGET_VS_IOREDIS}) | ours ÷ @keyv/redis (≥ ${TARGET_VS_KEYV_REDIS}) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of store.rows) {
    const c = row.contenders;
    const cell = (name: ContenderName) => [fmt(c[name].opsPerSec), `${ms(c[name].p50Ms, 3)} / ${ms(c[name].p99Ms, 3)}`];
    const mark = (ok: boolean) => (ok ? '' : ' ✗');
    lines.push(
      `| ${row.op} | ${row.valueBytes >= 1024 ? `${row.valueBytes / 1024} KB` : `${row.valueBytes} B`} | ${row.concurrency} | ${cell('ours').join(' | ')} | ${cell('ioredis').join(' | ')} | ${cell('keyv-redis').join(' | ')} | ` +
        `**${ratio(row.oursVsIoredis)}**${mark(row.oursVsIoredis >= TARGET_VS_IOREDIS)} | **${ratio(row.oursVsKeyvRedis)}**${mark(row.oursVsKeyvRedis >= TARGET_VS_KEYV_REDIS)} |`,
    );
  }
  return lines;
}

function autoPipeliningTable(store: StoreBenchResult): string[] {
  const lines = [
    '| operation | value | conc. | ours ops/s | ours + autopipelining ops/s | p50 / p99 ms | ÷ raw ioredis | ÷ @keyv/redis |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of store.rows) {
    const c = row.contenders['ours-autopipelining'];
    lines.push(
      `| ${row.op} | ${row.valueBytes >= 1024 ? `${row.valueBytes / 1024} KB` : `${row.valueBytes} B`} | ${row.concurrency} | ${fmt(row.contenders.ours.opsPerSec)} | ${fmt(c.opsPerSec)} | ` +
        `${ms(c.p50Ms, 3)} / ${ms(c.p99Ms, 3)} | ${ratio(row.autoPipeliningVsIoredis)} | ${ratio(row.autoPipeliningVsKeyvRedis)} |`,
    );
  }
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
  lines.push('', `Redis-cached ÷ in-memory: **${ratio(http.redisVsMemory)}** · Redis-cached ÷ uncached: **${ratio(http.redisVsUncached)}** (requests/s, median of per-round ratios).`);
  return lines;
}

function failoverTable(failover: FailoverBenchResult): string[] {
  const lines = [
    `| fault | client | n | trigger → +switch-master ms (p50 / p95 / max) | +switch-master → first write on new master ms (p50 / **p95** / max; target p95 ≤ ${failover.targetSwitchToFirstWriteP95Ms}) | longest write pause ms (p50 / max) | failed writes | acked writes | acked then lost |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of failover.summary) {
    const s = row.switchToFirstWriteMs;
    const t = row.triggerToSwitchMs;
    const mark = row.meetsTarget === false ? ' ✗' : '';
    const p = (v: number) => (Number.isFinite(v) ? fmt(v, 0) : 'none');
    lines.push(
      `| ${row.kind === 'planned' ? 'SENTINEL FAILOVER' : 'kill -9 master'} | ${FAILOVER_LABELS[row.contender]} | ${row.faults} | ${fmt(t.p50)} / ${fmt(t.p95)} / ${fmt(t.max)} | ` +
        `${p(s.p50)} / **${p(s.p95)}**${mark} / ${p(s.max)}${s.missing ? ` (${s.missing} without)` : ''} | ${fmt(row.longestAckGapMs.p50)} / ${fmt(row.longestAckGapMs.max)} | ${fmt(row.failed)} | ${fmt(row.acked)} | ${fmt(row.lost)} |`,
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
      `Each row: the four contenders (the three below and ours with auto-pipelining) interleaved, order rotated, ${s.rounds} rounds of ${s.batchMs} ms per contender; ` +
        'ops/s and p50/p99 are medians over rounds; the ratios are medians of the per-round ratios of ops/s. ' +
        `Values are strings; ours and @keyv/redis store them in Keyv's JSON envelope, raw ioredis stores them as they are. set-ttl uses a ${results.store.ttlMs / 1000} s ttl; mget reads 50 keys. ✗ = target missed.`,
      '',
      ...storeTable(results.store),
      '',
      `Targets met: ours ≥ ${TARGET_VS_IOREDIS}× raw ioredis on ${results.store.rows.filter((r) => r.oursVsIoredis >= TARGET_VS_IOREDIS).length}/${results.store.rows.length} rows, ` +
        `ours ≥ ${TARGET_VS_KEYV_REDIS}× @keyv/redis on ${results.store.rows.filter((r) => r.oursVsKeyvRedis >= TARGET_VS_KEYV_REDIS).length}/${results.store.rows.length} rows.`,
      '',
      '### Measured beside it: ours with `redisOptions: { enableAutoPipelining: true }`',
      '',
      'Same rounds, interleaved with the others (ioredis batches the commands of one event-loop turn into one socket write).',
      '',
      ...autoPipeliningTable(results.store),
      '',
    );
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
  if (results.failover) {
    const f = results.failover.settings;
    out.push(
      '## Failover recovery',
      '',
      `${f.planned} SENTINEL FAILOVERs and ${f.kills} master kill -9s, interleaved; the clients write at the same time ` +
        `(${f.writesPerSec} writes/s each, open loop, unique keys) through the same faults. "Acked then lost": acknowledged keys ` +
        'missing when read back from the master as admin once the topology is stable again. Ours runs with `onError: \'throw\'` ' +
        'so that a failed write is counted (with the default fail-open it would be a silent no-op).',
      '',
      ...failoverTable(results.failover),
      '',
    );
  }
  return out.join('\n');
}
