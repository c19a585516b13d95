/**
 * Part 1: store throughput and latency. Every row (operation x value size x concurrency) runs each
 * contender for a fixed time (bounded in operations too), the contenders interleaved and their order
 * rotated from round to round; each round's throughput is divided by raw ioredis's in the same round,
 * and the report gives the median over rounds.
 */
import type { Topology } from '../scripts/topology/topology.js';
import { CONTENDERS, startContender, type ContenderName, type StoreContender } from './contenders.js';
import { errorText } from './lifecycle.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { median, percentileSorted, round, sortedSamples } from './stats.js';

export type StoreOp = 'get-hit' | 'get-miss' | 'set-ttl' | 'mget-50';
export const STORE_OPS: readonly StoreOp[] = ['get-hit', 'get-miss', 'set-ttl', 'mget-50'];
export const VALUE_SIZES = [100, 10_240] as const;
export const CONCURRENCIES = [1, 64] as const;

export interface StoreBenchSettings {
  rounds: number;
  /** Length of one measured batch (one contender, one row, one round). */
  batchMs: number;
  /** Unmeasured batch per contender and row before the first round (JIT, connections, caches). */
  warmupMs: number;
  /** Keys per value size and contender. */
  keyspace: number;
  /** Bound on the operations of one batch. */
  maxOpsPerBatch: number;
}

export interface StoreRow {
  op: StoreOp;
  valueBytes: number;
  concurrency: number;
}

export interface BatchResult {
  ops: number;
  errors: number;
  elapsedMs: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface StoreRowResult extends StoreRow {
  /** Per contender: medians over rounds. */
  contenders: Record<ContenderName, { opsPerSec: number; p50Ms: number; p99Ms: number; errors: number; rounds: BatchResult[] }>;
  /** Median over rounds of (contender ops/s) / (raw ioredis ops/s) of the same round. */
  oursVsIoredis: number;
  keyvRedisVsIoredis: number;
  /** Median over rounds of ours / @keyv/redis. */
  oursVsKeyvRedis: number;
  meetsTargets: boolean;
  /** Median over rounds of ours p99 / raw ioredis p99 (target at c=64: ≤ 1). */
  oursP99VsIoredis: number;
}

export interface HeapResult {
  values: number;
  valueBytes: number;
  /** Per contender: heap retained (after GC) while holding the values read back, median over repeats. */
  contenders: Partial<Record<ContenderName, { retainedBytes: number; bytesPerValue: number; repeats: number[] }>>;
  /** ours ÷ @keyv/redis (target ≤ 1). */
  oursVsKeyvRedis: number;
}

export interface StoreBenchResult {
  settings: StoreBenchSettings;
  rows: StoreRowResult[];
  ttlMs: number;
  heap?: HeapResult;
}

export const TARGET_VS_IOREDIS = 0.95;
export const TARGET_VS_KEYV_REDIS = 1.2;
const SET_TTL_MS = 60_000;
const FILL_TTL_MS = 15 * 60_000;
const MGET_KEYS = 50;

/**
 * A deterministic printable ASCII string of exactly `bytes` bytes, flat (one piece of memory, as a
 * string read from JSON or a socket is). Built with `+=` it would be a rope of `bytes` one-character
 * pieces, which every contender that copies the value (a JSON envelope, a header) would walk character
 * by character on every call, while raw ioredis, which only measures it, flattens it once.
 */
export function payload(bytes: number, seed = 1): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = seed * 2654435761;
  const chars: string[] = [];
  for (let i = 0; i < bytes; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    chars.push(alphabet[(x >>> 16) % alphabet.length]!);
  }
  return chars.join('');
}

/** Precomputed keys so every contender builds the same strings outside the measured loop. */
interface Keys {
  hit: string[];
  miss: string[];
  set: string[];
  mget: string[][];
}

function keysFor(size: number, keyspace: number): Keys {
  const hit = Array.from({ length: keyspace }, (_, i) => `bench:${size}:hit:${i}`);
  const mget: string[][] = [];
  for (let start = 0; start + MGET_KEYS <= keyspace; start += MGET_KEYS) mget.push(hit.slice(start, start + MGET_KEYS));
  return {
    hit,
    miss: Array.from({ length: keyspace }, (_, i) => `bench:${size}:miss:${i}`),
    set: Array.from({ length: keyspace }, (_, i) => `bench:${size}:set:${i}`),
    mget,
  };
}

function operation(contender: StoreContender, row: StoreRow, keys: Keys, value: string): (i: number) => Promise<unknown> {
  const n = keys.hit.length;
  switch (row.op) {
    case 'get-hit':
      return (i) => contender.get(keys.hit[i % n]!);
    case 'get-miss':
      return (i) => contender.get(keys.miss[i % n]!);
    case 'set-ttl':
      return (i) => contender.set(keys.set[i % n]!, value, SET_TTL_MS);
    case 'mget-50': {
      const lists = keys.mget;
      return (i) => contender.mget(lists[i % lists.length]!);
    }
  }
}

/** Runs `fn` with `concurrency` workers until `durationMs` passed or `maxOps` were issued. */
export async function runBatch(fn: (i: number) => Promise<unknown>, concurrency: number, durationMs: number, maxOps: number): Promise<BatchResult> {
  const latencies = new Float64Array(maxOps);
  let issued = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (issued < maxOps && performance.now() < deadline) {
      const i = issued++;
      const t0 = performance.now();
      try {
        await fn(i);
      } catch {
        errors += 1;
      }
      latencies[done++] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const sorted = sortedSamples(latencies, done);
  return {
    ops: done,
    errors,
    elapsedMs: round(elapsedMs, 1),
    opsPerSec: round(done / (elapsedMs / 1000), 0),
    p50Ms: round(percentileSorted(sorted, 50), 4),
    p99Ms: round(percentileSorted(sorted, 99), 4),
  };
}

/** Every row in report order: operation, then value size, then concurrency. */
export function storeRows(): StoreRow[] {
  const rows: StoreRow[] = [];
  for (const op of STORE_OPS) for (const valueBytes of VALUE_SIZES) for (const concurrency of CONCURRENCIES) rows.push({ op, valueBytes, concurrency });
  return rows;
}

/** Fails loudly if a contender does not do what the row claims (a hit that misses, a miss that hits). */
async function sanityCheck(contender: StoreContender, keys: Keys, value: string): Promise<void> {
  const hit = await contender.get(keys.hit[0]!);
  if (hit !== value) throw new Error(`${contender.name}: get-hit returned ${typeof hit} (${String(hit).slice(0, 40)}), not the stored value`);
  const miss = await contender.get(keys.miss[0]!);
  if (miss !== undefined && miss !== null) throw new Error(`${contender.name}: get-miss returned a value`);
  const many = await contender.mget(keys.mget[0]!);
  if (many.length !== MGET_KEYS || many.some((v) => v !== value)) throw new Error(`${contender.name}: mget-50 did not return the 50 stored values`);
  await contender.set(keys.set[0]!, value, SET_TTL_MS);
  if ((await contender.get(keys.set[0]!)) !== value) throw new Error(`${contender.name}: set-ttl then get did not round-trip`);
}

/** The three contenders connected, their keyspaces filled and checked. */
export interface PreparedContenders {
  contenders: Map<ContenderName, StoreContender>;
  fnFor(name: ContenderName, row: StoreRow): (i: number) => Promise<unknown>;
  close(): Promise<void>;
}

export async function prepareContenders(topology: Topology, keyspace: number, log: (line: string) => void): Promise<PreparedContenders> {
  const contenders = new Map<ContenderName, StoreContender>();
  const close = async () => {
    for (const contender of contenders.values()) {
      await contender.close().catch((error: unknown) => log(`  closing ${contender.name}: ${errorText(error)}`));
    }
  };
  try {
    for (const name of CONTENDERS) contenders.set(name, await startContender(name, topology));
    const keysBySize = new Map<number, Keys>(VALUE_SIZES.map((size) => [size, keysFor(size, keyspace)]));
    const values = new Map<number, string>(VALUE_SIZES.map((size) => [size, payload(size, size)]));
    for (const contender of contenders.values()) {
      for (const size of VALUE_SIZES) {
        const keys = keysBySize.get(size)!;
        const value = values.get(size)!;
        await contender.fill(keys.hit.map((key) => [key, value] as [string, string]), FILL_TTL_MS);
        await sanityCheck(contender, keys, value);
      }
    }
    log(`  keyspace filled (${keyspace} keys x ${VALUE_SIZES.length} sizes x ${contenders.size} contenders); sanity checks passed`);
    return {
      contenders,
      fnFor: (name, row) => operation(contenders.get(name)!, row, keysBySize.get(row.valueBytes)!, values.get(row.valueBytes)!),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function runStoreBench(topology: Topology, settings: StoreBenchSettings, log: (line: string) => void): Promise<StoreBenchResult> {
  const prepared = await prepareContenders(topology, settings.keyspace, log);
  try {
    const { fnFor } = prepared;
    const rows = storeRows();

    // Warm-up: every contender on every row, not measured.
    for (const row of rows) {
      for (const name of CONTENDERS) await runBatch(fnFor(name, row), row.concurrency, settings.warmupMs, settings.maxOpsPerBatch);
    }

    const batches = rows.map(() => new Map<ContenderName, BatchResult[]>(CONTENDERS.map((name) => [name, []])));
    for (let roundIndex = 0; roundIndex < settings.rounds; roundIndex += 1) {
      const roundStarted = Date.now();
      for (const [rowIndex, row] of rows.entries()) {
        const shift = (roundIndex + rowIndex) % CONTENDERS.length;
        const order = [...CONTENDERS.slice(shift), ...CONTENDERS.slice(0, shift)];
        for (const name of order) {
          const result = await runBatch(fnFor(name, row), row.concurrency, settings.batchMs, settings.maxOpsPerBatch);
          batches[rowIndex]!.get(name)!.push(result);
        }
      }
      log(`  store round ${roundIndex + 1}/${settings.rounds} done in ${((Date.now() - roundStarted) / 1000).toFixed(1)} s`);
    }

    const results: StoreRowResult[] = rows.map((row, rowIndex) => {
      const perContender = batches[rowIndex]!;
      const summary = Object.fromEntries(
        CONTENDERS.map((name) => {
          const list = perContender.get(name)!;
          return [
            name,
            {
              opsPerSec: round(median(list.map((b) => b.opsPerSec)), 0),
              p50Ms: round(median(list.map((b) => b.p50Ms)), 4),
              p99Ms: round(median(list.map((b) => b.p99Ms)), 4),
              errors: list.reduce((total, b) => total + b.errors, 0),
              rounds: list,
            },
          ];
        }),
      ) as StoreRowResult['contenders'];
      const ratios = (a: ContenderName, b: ContenderName) =>
        round(median(perContender.get(a)!.map((batch, i) => batch.opsPerSec / perContender.get(b)![i]!.opsPerSec)), 3);
      const oursVsIoredis = ratios('ours', 'ioredis');
      const oursVsKeyvRedis = ratios('ours', 'keyv-redis');
      return {
        ...row,
        contenders: summary,
        oursVsIoredis,
        keyvRedisVsIoredis: ratios('keyv-redis', 'ioredis'),
        oursVsKeyvRedis,
        meetsTargets: oursVsIoredis >= TARGET_VS_IOREDIS && oursVsKeyvRedis >= TARGET_VS_KEYV_REDIS,
        oursP99VsIoredis: round(median(perContender.get('ours')!.map((batch, i) => batch.p99Ms / perContender.get('ioredis')![i]!.p99Ms)), 3),
      };
    });
    const heap = await measureHeap(prepared, log);
    return { settings, rows: results, ttlMs: SET_TTL_MS, heap };
  } finally {
    await prepared.close();
  }
}

export const HEAP_VALUES = 10_000;
const HEAP_VALUE_BYTES = 100;
const HEAP_REPEATS = 3;

/** A full garbage collection (the bench process is not started with --expose-gc). */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Heap per 10k cached 100 B values read back: each contender reads 10k keys (100 at a time) and holds
 * the values; the heap retained after a full GC, minus the heap before, is what holding them costs
 * (the value strings and whatever they keep alive). Median of a few repeats.
 */
export async function measureHeap(prepared: PreparedContenders, log: (line: string) => void): Promise<HeapResult> {
  const gc = collectGarbage();
  const value = payload(HEAP_VALUE_BYTES, 7);
  const keys = Array.from({ length: HEAP_VALUES }, (_, i) => `bench:heap:${i}`);
  const contenders: HeapResult['contenders'] = {};
  for (const [name, contender] of prepared.contenders) {
    await contender.fill(keys.map((key) => [key, value] as [string, string]), FILL_TTL_MS);
    const repeats: number[] = [];
    for (let repeat = 0; repeat < HEAP_REPEATS; repeat += 1) {
      gc();
      gc();
      const before = process.memoryUsage().heapUsed;
      const held: unknown[] = new Array(HEAP_VALUES);
      for (let i = 0; i < HEAP_VALUES; i += 100) {
        const chunk = await Promise.all(keys.slice(i, i + 100).map((key) => contender.get(key)));
        for (let j = 0; j < chunk.length; j += 1) held[i + j] = chunk[j];
      }
      gc();
      gc();
      const after = process.memoryUsage().heapUsed;
      if (held.some((v) => v !== value)) throw new Error(`${name}: heap check read back a wrong value`);
      repeats.push(after - before);
      held.length = 0;
    }
    const retainedBytes = median(repeats);
    contenders[name] = { retainedBytes, bytesPerValue: round(retainedBytes / HEAP_VALUES, 1), repeats };
    log(`  heap: ${name} retains ${(retainedBytes / 1024).toFixed(0)} KiB for ${HEAP_VALUES} values of ${HEAP_VALUE_BYTES} B`);
  }
  const ours = contenders.ours?.retainedBytes ?? Number.NaN;
  const keyv = contenders['keyv-redis']?.retainedBytes ?? Number.NaN;
  return { values: HEAP_VALUES, valueBytes: HEAP_VALUE_BYTES, contenders, oursVsKeyvRedis: round(ours / keyv, 3) };
}
