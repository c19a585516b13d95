/**
 * Part 3: failover recovery. Planned failovers (SENTINEL FAILOVER) and master crashes (kill -9) under a
 * steady open-loop write load, two contenders writing at the same time through the same faults:
 * - `ours`: RedisSentinelCacheModule in a Nest application context, writes through CACHE_MANAGER.set
 *   (module defaults, except `onError: 'throw'` so a failed write is seen as failed instead of a no-op);
 * - `ioredis`: `new Redis({ sentinels, name, ...credentials })`, every other option at ioredis's default.
 * Ours runs with every speed-up of the store on (one socket write per tick, the gets of a tick as one
 * MGET, its own value format), as shipped.
 * All authenticate as `default` (the launcher's fixed ACLs). Our own admin subscriber on each sentinel
 * timestamps +switch-master. A write counts as acknowledged by the new master when its reply came on
 * the client's socket to the new master's port. After the topology is stable again, every acknowledged
 * key is read back from the current master as admin: a missing one was acknowledged, then lost, unless
 * the module deleted it itself (an invalidation: counted apart, a miss rather than a stale value).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import type { Redis } from 'ioredis';
import {
  CACHE_MANAGER,
  REDIS_SENTINEL_CLIENT,
  RedisSentinelCacheModule,
  type FailoverRecord,
} from '../lib/index.js';
import type { AclMode, Address, Topology } from '../scripts/topology/topology.js';
import { moduleOptions, plainSentinelClient, waitReady } from './contenders.js';
import { bounded, errorText, onCleanup, QuietLogger, sleep } from './lifecycle.js';
import { SentinelWatcher } from './sentinel-watcher.js';
import { max, median, percentile, round, sum } from './stats.js';

export type FaultKind = 'planned' | 'kill';
export type FailoverContenderName = 'ours' | 'ioredis';
export const FAILOVER_CONTENDERS: readonly FailoverContenderName[] = ['ours', 'ioredis'];
export const FAILOVER_LABELS: Record<FailoverContenderName, string> = {
  ours: 'ours (RedisSentinelCacheModule)',
  ioredis: 'ioredis defaults',
};

export interface FailoverBenchSettings {
  planned: number;
  kills: number;
  /** Writes per second of each contender (open loop). */
  writesPerSec: number;
  /** Writes in flight per contender; past it a tick's writes are skipped (counted as shed). */
  maxInFlight: number;
  /** Writing before the trigger. */
  preTriggerMs: number;
  /** Bound on the wait for +switch-master. */
  switchTimeoutMs: number;
  /** After +switch-master, the longest wait for both contenders to write to the new master. */
  settleMaxMs: number;
  /** Bound on topology.waitForStable(). */
  stableTimeoutMs: number;
  /** Writing after the topology is stable again. */
  postStableMs: number;
  /** Bound on the wait for writes still in flight when the loop stops (then they count as failed). */
  drainMs: number;
}

export interface ContenderFaultResult {
  issued: number;
  acked: number;
  failed: number;
  /** Writes still unanswered after the drain (included in `failed`). */
  unresolved: number;
  /** Failed writes that failed between Sentinel's +selected-slave and +switch-master (the fence window). */
  failedAfterReplicaSelected: number;
  shed: number;
  /** Acknowledged, then missing on the master, and not deleted by the module itself. */
  lost: number;
  /**
   * Acknowledged, then deleted by the module on purpose (ours: UNLINKed as a recent write on a new
   * master, `recentWritesWindow`, or as a failed write): a miss, never a stale value. Not counted as lost.
   */
  invalidated: number;
  /** Acknowledged writes by the port of the node whose socket carried the reply. */
  acksByPort: Record<string, number>;
  /** When some were lost: by port, and when they were acknowledged (ms after the trigger). */
  lostDetail?: { byPort: Record<string, number>; firstMs: number; lastMs: number };
  /** ms from +switch-master to the first write acknowledged on the new master (null: none in the window). */
  switchToFirstWriteMs: number | null;
  triggerToFirstWriteMs: number | null;
  /** Longest time without any acknowledged write around the fault. */
  longestAckGapMs: number;
  /** Slowest acknowledged write (queued or held writes show here). */
  slowestAckMs: number;
  /** Failure messages, counted by kind. */
  errors: Record<string, number>;
  /** ours: what the module reported for this failover (listeners.failover). */
  moduleRecord?: FailoverRecord;
}

export interface FaultResult {
  kind: FaultKind;
  index: number;
  /** Planned: the sentinel SENTINEL FAILOVER was sent to (index into the topology's sentinels). */
  via?: number;
  from: string;
  to: string;
  triggerToSwitchMs: number;
  /** ms after the trigger of the first occurrence of each Sentinel event. */
  sentinelTimeline: Record<string, number>;
  contenders: Record<FailoverContenderName, ContenderFaultResult>;
}

export interface FailoverSummaryRow {
  kind: FaultKind;
  /** Only the planned failovers sent to this sentinel (rows without it cover every fault of the kind). */
  via?: number;
  contender: FailoverContenderName;
  faults: number;
  triggerToSwitchMs: { p50: number; p95: number; max: number };
  switchToFirstWriteMs: { p50: number; p95: number; max: number; missing: number };
  failed: number;
  acked: number;
  lost: number;
  invalidated: number;
  /** Longest time without an acknowledged write around each fault. */
  longestAckGapMs: { p50: number; max: number };
  meetsTarget: boolean | null;
}

export interface FailoverBenchResult {
  /** The topology's ACL users: the corrected ones, or the seed's verbatim (no SUBSCRIBE on the sentinels, no INFO). */
  acl: AclMode;
  settings: FailoverBenchSettings;
  faults: FaultResult[];
  summary: FailoverSummaryRow[];
  targetSwitchToFirstWriteP95Ms: number;
  moduleWarnings: string[];
}

export const TARGET_SWITCH_TO_WRITE_P95_MS = 100;
const KEY_TTL_MS = 30 * 60_000;
const NAMESPACE = 'fo';

interface Writer {
  name: FailoverContenderName;
  /** What the module reported (listeners.failover); ours only. */
  records?: FailoverRecord[];
  write(key: string, value: string): Promise<unknown>;
  /** Remote port of the socket the client uses now. */
  port(): number | undefined;
  /** Redis key of a logical key (for the read-back as admin). */
  redisKey(key: string): string;
  /** Redis keys the client deleted on its own (ours: the module's invalidations). */
  invalidated?: Set<string>;
  close(): Promise<void>;
}

interface Ack {
  seq: number;
  issuedAt: number;
  t: number;
  port: number | undefined;
}

/** An open-loop writer: `rate` writes per second whatever the answers, bounded in flight. */
class WriteLoop {
  readonly acks: Ack[] = [];
  readonly failures: Array<{ seq: number; t: number; message: string }> = [];
  issued = 0;
  shed = 0;
  inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private target = 0;

  constructor(
    private readonly writer: Writer,
    private readonly prefix: string,
    private readonly rate: number,
    private readonly maxInFlight: number,
  ) {}

  key(seq: number): string {
    return `${this.prefix}${seq}`;
  }

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), 2);
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) * this.rate) / 1000);
    // After a stalled event loop, catch up by at most one second of writes.
    this.target = Math.max(this.target, due - this.rate);
    while (this.target < due) {
      this.target += 1;
      if (this.inFlight >= this.maxInFlight) {
        this.shed += 1;
        continue;
      }
      this.issue();
    }
  }

  private issue(): void {
    const seq = ++this.issued;
    const issuedAt = performance.now();
    this.inFlight += 1;
    this.writer.write(this.key(seq), String(seq)).then(
      () => {
        this.inFlight -= 1;
        this.acks.push({ seq, issuedAt, t: performance.now(), port: this.writer.port() });
      },
      (error: unknown) => {
        this.inFlight -= 1;
        this.failures.push({ seq, t: performance.now(), message: errorText(error) });
      },
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Waits (bounded) for the writes in flight; returns how many are still unanswered. */
  async drain(ms: number): Promise<number> {
    const deadline = performance.now() + ms;
    while (this.inFlight > 0 && performance.now() < deadline) await sleep(20);
    return this.inFlight;
  }
}

async function startOursWriter(topology: Topology, logger: QuietLogger): Promise<Writer> {
  const records: FailoverRecord[] = [];
  const namespace = NAMESPACE;
  const app = await NestFactory.createApplicationContext(
    RedisSentinelCacheModule.forRoot(
      moduleOptions(topology, {
        namespace,
        onError: 'throw',
        logger,
        listeners: { failover: (record) => records.push(record) },
      }),
    ),
    { logger, abortOnError: false },
  );
  const close = onCleanup(`failover ${namespace}: app.close()`, () => app.close());
  const cache = app.get<Cache>(CACHE_MANAGER);
  const client = app.get<Redis>(REDIS_SENTINEL_CLIENT);
  // The module deletes keys only with UNLINK (invalidations): record which, to tell them from lost writes.
  const invalidated = new Set<string>();
  const unlink = client.unlink.bind(client) as (...keys: string[]) => Promise<number>;
  (client as unknown as { unlink: (...keys: string[]) => Promise<number> }).unlink = (...keys: string[]) => {
    for (const key of keys) invalidated.add(String(key));
    return unlink(...keys);
  };
  await waitReady(client);
  return {
    name: 'ours',
    records,
    write: (key, value) => cache.set(key, value, KEY_TTL_MS),
    port: () => client.stream?.remotePort,
    redisKey: (key) => `${namespace}:${key}`,
    invalidated,
    close,
  };
}

async function startIoredisWriter(topology: Topology): Promise<Writer> {
  const client = plainSentinelClient(topology);
  const close = onCleanup('failover ioredis: disconnect()', () => client.disconnect());
  await waitReady(client);
  return {
    name: 'ioredis',
    write: (key, value) => client.set(`base:${key}`, value, 'PX', KEY_TTL_MS),
    port: () => client.stream?.remotePort,
    redisKey: (key) => `base:${key}`,
    close,
  };
}

/** SENTINEL FAILOVER through a sentinel; retried (bounded) while the replicas are not eligible yet. Returns the trigger time. */
/** SENTINEL FAILOVER through sentinel `via` (it leads the failover); retried while no replica is eligible yet. */
async function triggerPlanned(topology: Topology, timeoutMs: number, via: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const sentinel = topology.sentinels[via]!;
    const triggeredAt = performance.now();
    try {
      await topology.adminCommand(sentinel, 'SENTINEL', 'FAILOVER', topology.masterName);
      return triggeredAt;
    } catch (error) {
      if (!/NOGOODSLAVE|INPROG/.test(errorText(error)) || performance.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

function addressText(address: Address): string {
  return `${address.host}:${address.port}`;
}

function errorKind(message: string): string {
  return message.replace(/\d+/g, 'N').slice(0, 120);
}

/** Reads every acknowledged key back from `master` as admin; returns the indexes of the missing ones. */
async function findLost(topology: Topology, master: Address, keys: string[]): Promise<number[]> {
  const lost: number[] = [];
  for (let i = 0; i < keys.length; i += 1_000) {
    const batch = keys.slice(i, i + 1_000);
    const values = (await topology.adminCommand(master, 'MGET', ...batch)) as Array<string | null>;
    values.forEach((value, j) => {
      if (value === null) lost.push(i + j);
    });
  }
  return lost;
}

function countByPort(acks: Ack[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const ack of acks) counts[String(ack.port ?? 'none')] = (counts[String(ack.port ?? 'none')] ?? 0) + 1;
  return counts;
}

function contenderResult(
  loop: WriteLoop,
  unresolved: number,
  lostAcks: Ack[],
  invalidated: number,
  newPort: number,
  triggeredAt: number,
  switchedAt: number,
  windowEnd: number,
  selectedAt: number | undefined,
): ContenderFaultResult {
  const firstOnNew = loop.acks.filter((a) => a.port === newPort && a.t >= triggeredAt).reduce<Ack | undefined>((first, a) => (!first || a.t < first.t ? a : first), undefined);
  // Longest gap between acknowledged writes from one second before the trigger to the window's end.
  const times = loop.acks.map((a) => a.t).filter((t) => t >= triggeredAt - 1_000 && t <= windowEnd).sort((a, b) => a - b);
  let gap = 0;
  let previous = triggeredAt - 1_000;
  for (const t of times) {
    gap = Math.max(gap, t - previous);
    previous = t;
  }
  gap = Math.max(gap, windowEnd - previous);
  const errors: Record<string, number> = {};
  for (const failure of loop.failures) errors[errorKind(failure.message)] = (errors[errorKind(failure.message)] ?? 0) + 1;
  if (unresolved > 0) errors['unanswered after the drain'] = unresolved;
  return {
    issued: loop.issued,
    acked: loop.acks.length,
    failed: loop.failures.length + unresolved,
    unresolved,
    failedAfterReplicaSelected: selectedAt === undefined ? 0 : loop.failures.filter((f) => f.t >= selectedAt && f.t <= switchedAt).length,
    shed: loop.shed,
    lost: lostAcks.length,
    invalidated,
    acksByPort: countByPort(loop.acks),
    ...(lostAcks.length > 0
      ? {
          lostDetail: {
            byPort: countByPort(lostAcks),
            firstMs: round(Math.min(...lostAcks.map((a) => a.t)) - triggeredAt, 0),
            lastMs: round(Math.max(...lostAcks.map((a) => a.t)) - triggeredAt, 0),
          },
        }
      : {}),
    switchToFirstWriteMs: firstOnNew ? round(firstOnNew.t - switchedAt, 1) : null,
    triggerToFirstWriteMs: firstOnNew ? round(firstOnNew.t - triggeredAt, 1) : null,
    longestAckGapMs: round(gap, 1),
    slowestAckMs: round(max(loop.acks.map((a) => a.t - a.issuedAt)), 1),
    errors,
  };
}

async function runFault(
  topology: Topology,
  watcher: SentinelWatcher,
  writers: Writer[],
  kind: FaultKind,
  index: number,
  settings: FailoverBenchSettings,
  log: (line: string) => void,
): Promise<FaultResult> {
  await topology.waitForStable(settings.stableTimeoutMs);
  const from = await topology.currentMaster();
  const fromNode = topology.nodeAt(from);
  // Planned failovers are sent to each sentinel in turn: the one asked leads the failover.
  const via = kind === 'planned' ? index % topology.sentinels.length : undefined;
  const loops = writers.map((writer) => new WriteLoop(writer, `${kind}${index}:`, settings.writesPerSec, settings.maxInFlight));
  const recordsBefore = writers.map((writer) => writer.records?.length ?? 0);
  let stopped = false;
  const stopLoops = () => {
    if (stopped) return;
    stopped = true;
    for (const loop of loops) loop.stop();
  };
  const unregister = onCleanup(`write loops ${kind} ${index}`, stopLoops);
  try {
    for (const loop of loops) loop.start();
    await sleep(settings.preTriggerMs);

    let triggeredAt: number;
    if (kind === 'planned') {
      triggeredAt = await triggerPlanned(topology, settings.switchTimeoutMs, via!);
    } else {
      triggeredAt = performance.now();
      await fromNode.kill('SIGKILL');
    }
    const switched = await watcher.waitForSwitch(triggeredAt, settings.switchTimeoutMs);
    const newPort = switched.to.port;

    const settleDeadline = switched.t + settings.settleMaxMs;
    while (performance.now() < settleDeadline && !loops.every((loop) => loop.acks.some((a) => a.port === newPort && a.t >= triggeredAt))) {
      await sleep(50);
    }
    // The crashed master comes back (empty; Sentinel turns it into a replica) only once both clients
    // have written to the new master: spawning redis-server in this process while the clients
    // reconnect would slow their reconnection and be measured as theirs (~+90 ms in a trial).
    if (kind === 'kill') await fromNode.restart();
    await topology.waitForStable(settings.stableTimeoutMs);
    await sleep(settings.postStableMs);
    const windowEnd = performance.now();
    stopLoops();
    const unresolved = await Promise.all(loops.map((loop) => loop.drain(settings.drainMs)));

    const master = await topology.currentMaster();
    const timeline = watcher.timeline(triggeredAt, windowEnd);
    const selectedAt = timeline['+selected-slave'] === undefined ? undefined : triggeredAt + timeline['+selected-slave'];
    const results = {} as Record<FailoverContenderName, ContenderFaultResult>;
    for (const [i, loop] of loops.entries()) {
      const writer = writers[i]!;
      const ackedKeys = loop.acks.map((a) => writer.redisKey(loop.key(a.seq)));
      const missing = await findLost(topology, master, ackedKeys);
      const deliberate = missing.filter((index) => writer.invalidated?.has(ackedKeys[index]!) ?? false);
      const lost = missing.filter((index) => !(writer.invalidated?.has(ackedKeys[index]!) ?? false)).map((index) => loop.acks[index]!);
      results[writer.name] = contenderResult(loop, unresolved[i]!, lost, deliberate.length, newPort, triggeredAt, switched.t, windowEnd, selectedAt);
      const record = writer.records?.slice(recordsBefore[i]).find((r) => r.to.endsWith(`:${newPort}`));
      if (record) results[writer.name].moduleRecord = record;
    }

    const result: FaultResult = {
      kind,
      index,
      via,
      from: addressText(from),
      to: addressText(switched.to),
      triggerToSwitchMs: round(switched.t - triggeredAt, 1),
      sentinelTimeline: timeline,
      contenders: results,
    };
    log(
      `  ${kind} #${index + 1}${via === undefined ? '' : ` via sentinel ${via}`}: +switch-master after ${result.triggerToSwitchMs.toFixed(0)} ms; ` +
        FAILOVER_CONTENDERS.map((name) => {
          const r = results[name];
          return `${name}: first write on new master +${r.switchToFirstWriteMs ?? '–'} ms, failed ${r.failed}, lost ${r.lost}/${r.acked}, invalidated ${r.invalidated}`;
        }).join('; '),
    );
    return result;
  } finally {
    stopLoops();
    await unregister();
  }
}

function summarize(faults: FaultResult[]): FailoverSummaryRow[] {
  const groups: Array<{ kind: FaultKind; via?: number; faults: FaultResult[] }> = [];
  for (const kind of ['planned', 'kill'] as const) {
    groups.push({ kind, faults: faults.filter((f) => f.kind === kind) });
    if (kind !== 'planned') continue;
    // The lag whichever sentinel leads (the target holds for each, not only for the first one asked).
    const vias = [...new Set(faults.map((f) => f.via).filter((v): v is number => v !== undefined))].sort();
    if (vias.length > 1) for (const via of vias) groups.push({ kind, via, faults: faults.filter((f) => f.kind === kind && f.via === via) });
  }
  const rows: FailoverSummaryRow[] = [];
  for (const { kind, via, faults: ofKind } of groups) {
    if (ofKind.length === 0) continue;
    const switchTimes = ofKind.map((f) => f.triggerToSwitchMs);
    for (const contender of FAILOVER_CONTENDERS) {
      const list = ofKind.map((f) => f.contenders[contender]);
      const firstWrites = list.map((r) => r.switchToFirstWriteMs);
      const present = firstWrites.filter((v): v is number => v !== null);
      const missing = firstWrites.length - present.length;
      // A fault without a write on the new master in the window counts as +infinity for the percentiles.
      const withMissing = [...present, ...Array.from({ length: missing }, () => Number.POSITIVE_INFINITY)];
      const p95 = percentileWithInfinity(withMissing, 95);
      rows.push({
        kind,
        via,
        contender,
        faults: ofKind.length,
        triggerToSwitchMs: { p50: round(median(switchTimes), 0), p95: round(percentile(switchTimes, 95), 0), max: round(max(switchTimes), 0) },
        switchToFirstWriteMs: {
          p50: round(percentileWithInfinity(withMissing, 50), 1),
          p95: round(p95, 1),
          max: round(missing > 0 ? Number.POSITIVE_INFINITY : max(present), 1),
          missing,
        },
        failed: sum(list.map((r) => r.failed)),
        acked: sum(list.map((r) => r.acked)),
        lost: sum(list.map((r) => r.lost)),
        invalidated: sum(list.map((r) => r.invalidated)),
        longestAckGapMs: { p50: round(median(list.map((r) => r.longestAckGapMs)), 0), max: round(max(list.map((r) => r.longestAckGapMs)), 0) },
        meetsTarget: contender === 'ioredis' ? null : p95 <= TARGET_SWITCH_TO_WRITE_P95_MS,
      });
    }
  }
  return rows;
}

function percentileWithInfinity(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** P, P, K, P, P, K, ...: the kinds interleaved so slow drift affects both. */
export function faultPlan(planned: number, kills: number): FaultKind[] {
  const plan: FaultKind[] = [];
  let p = 0;
  let k = 0;
  while (p < planned || k < kills) {
    const wantKill = k < kills && (p >= planned || (plan.length + 1) % 3 === 0);
    if (wantKill) {
      plan.push('kill');
      k += 1;
    } else {
      plan.push('planned');
      p += 1;
    }
  }
  return plan;
}

export async function runFailoverBench(topology: Topology, settings: FailoverBenchSettings, log: (line: string) => void): Promise<FailoverBenchResult> {
  const logger = new QuietLogger(false);
  const watcher = await SentinelWatcher.start(topology);
  const writers: Writer[] = [];
  try {
    writers.push(await startOursWriter(topology, logger));
    writers.push(await startIoredisWriter(topology));
    const faults: FaultResult[] = [];
    const counters: Record<FaultKind, number> = { planned: 0, kill: 0 };
    for (const kind of faultPlan(settings.planned, settings.kills)) {
      const index = counters[kind]++;
      faults.push(await bounded(runFault(topology, watcher, writers, kind, index, settings, log), 180_000, `${kind} #${index + 1}`));
    }
    return {
      acl: topology.acl,
      settings,
      faults,
      summary: summarize(faults),
      targetSwitchToFirstWriteP95Ms: TARGET_SWITCH_TO_WRITE_P95_MS,
      moduleWarnings: logger.lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.message).slice(0, 50),
    };
  } finally {
    for (const writer of writers.reverse()) await writer.close().catch(() => undefined);
    await watcher.close();
  }
}
