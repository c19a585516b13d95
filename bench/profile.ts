/**
 * Where the CPU goes, per operation: each contender runs a few store rows, at concurrency 1 (bound by
 * round trips: the CPU per call adds to each one) and 64 (where throughput is bound by this process's
 * CPU), under V8's sampling profiler (node:inspector), and the
 * samples' self time is summed by package. Reported as CPU microseconds per operation, so the cost of
 * every layer (cache-manager, Keyv, our store, ioredis, node core, GC) can be compared directly.
 */
import { Session } from 'node:inspector/promises';
import type { Topology } from '../scripts/topology/topology.js';
import { CONTENDERS, type ContenderName } from './contenders.js';
import { prepareContenders, runBatch, type StoreRow } from './store.bench.js';
import { round } from './stats.js';

export interface ProfileSettings {
  seconds: number;
  rows: StoreRow[];
}

export interface ProfileEntry {
  row: StoreRow;
  contender: ContenderName;
  ops: number;
  opsPerSec: number;
  /** CPU µs per operation, by bucket (idle and the profiler's own work excluded). */
  usPerOp: Record<string, number>;
  totalUsPerOp: number;
  /** The same without the socket write syscalls (one per command unless batched; their cost varies a lot on a VM). */
  withoutSocketWritesUsPerOp: number;
  /** Hottest functions by self time: "name (file:line)" -> µs per op. */
  topFunctions: Array<{ fn: string; usPerOp: number }>;
}

export interface ProfileResult {
  settings: ProfileSettings;
  entries: ProfileEntry[];
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const BUCKETS: Array<[RegExp, string]> = [
  [/\/node_modules\/ioredis\//, 'ioredis'],
  [/\/node_modules\/@keyv\/redis\//, '@keyv/redis'],
  [/\/node_modules\/@redis\/client\//, 'node-redis (@redis/client)'],
  [/\/node_modules\/keyv\//, 'keyv'],
  [/\/node_modules\/hookified\//, 'hookified (keyv events/hooks)'],
  [/\/node_modules\/cache-manager\//, 'cache-manager'],
  [/\/node_modules\/@nestjs\//, '@nestjs'],
  [/\/node_modules\/(redis-parser|redis-errors|standard-as-callback|denque|cluster-key-slot|debug|ms)\//, 'ioredis deps (parser, queue)'],
  [/\/(build|dist)\/lib\/|\/lib\/[^/]+\/[^/]+\.js$/, 'ours (lib/)'],
  [/\/build\/bench\//, 'bench harness'],
];

function bucketOf(node: CpuProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(idle)') return '(idle)';
  // The inspector's own message dispatch (Profiler.stop), not the workload.
  if (functionName === 'dispatch' && url === '') return '(idle)';
  if (url === '' && /^write(Utf8String|v|Buffer|Latin1String|AsciiString|Ucs2String)$/.test(functionName)) return 'socket write syscalls';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url === '') return 'V8/native (builtins, promises)';
  if (url.startsWith('node:')) return 'node core (net, streams, events, timers)';
  for (const [pattern, name] of BUCKETS) if (pattern.test(url)) return name;
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  return pkg ? `other: ${pkg}` : 'other';
}

function shortUrl(url: string): string {
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) return url.slice(at + '/node_modules/'.length);
  const build = url.indexOf('/build/');
  return build >= 0 ? url.slice(build + '/build/'.length) : url.replace(/^file:\/\//, '');
}

function summarize(profile: CpuProfile, ops: number): { usPerOp: Record<string, number>; total: number; top: Array<{ fn: string; usPerOp: number }> } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const buckets: Record<string, number> = {};
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const bucket = bucketOf(node);
    if (bucket === '(idle)') continue;
    buckets[bucket] = (buckets[bucket] ?? 0) + us;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'}${url ? ` (${shortUrl(url)}:${lineNumber + 1})` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const perOp = (us: number) => round(us / Math.max(1, ops), 2);
  const usPerOp = Object.fromEntries(Object.entries(buckets).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, perOp(v)]));
  const top = [...functions.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([fn, us]) => ({ fn, usPerOp: perOp(us) }));
  return { usPerOp, total: perOp(total), top };
}

export async function runProfile(topology: Topology, settings: ProfileSettings, log: (line: string) => void): Promise<ProfileResult> {
  const prepared = await prepareContenders(topology, 1_000, log);
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    const entries: ProfileEntry[] = [];
    for (const row of settings.rows) {
      for (const contender of CONTENDERS) {
        const fn = prepared.fnFor(contender, row);
        await runBatch(fn, row.concurrency, 300, 1_000_000); // warm, unprofiled
        await session.post('Profiler.start');
        const batch = await runBatch(fn, row.concurrency, settings.seconds * 1000, 5_000_000);
        const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
        const { usPerOp, total, top } = summarize(profile, batch.ops);
        const withoutSocketWritesUsPerOp = round(total - (usPerOp['socket write syscalls'] ?? 0), 2);
        entries.push({ row, contender, ops: batch.ops, opsPerSec: batch.opsPerSec, usPerOp, totalUsPerOp: total, withoutSocketWritesUsPerOp, topFunctions: top });
        log(`  profile ${row.op} ${row.valueBytes} B c=${row.concurrency} ${contender}: ${total} busy µs/op, ${withoutSocketWritesUsPerOp} without socket writes (${batch.opsPerSec} ops/s)`);
      }
    }
    return { settings, entries };
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
    await prepared.close();
  }
}
