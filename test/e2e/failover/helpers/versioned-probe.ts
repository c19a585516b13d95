import type { Topology } from '../../../../scripts/topology/topology.js';
import type { AppInstance } from './harness.js';

/** One write of a version of a probe key, through one instance. */
export interface VersionedWrite {
  version: number;
  via: string;
  sentAt: number;
  doneAt?: number;
  /** The store's answer: acknowledged, reported failed (false or a rejection), or not answered yet. */
  outcome: 'acked' | 'failed' | 'pending';
}

/** A read of a probe key through one instance right after a write through the other. */
export interface CrossRead {
  key: string;
  via: string;
  /** Version read; 0 = a miss. */
  got: number;
  /** Last version acknowledged before the read was sent. */
  acked: number;
}

/** What the final sweep found for one key, when it breaks a rule. */
export interface SweepFinding {
  key: string;
  where: string;
  got: number;
  lastAcked: number;
  last: VersionedWrite;
}

export interface VersionedFigures {
  keys: number;
  writes: number;
  acked: number;
  failed: number;
  /** Reads through the other instance that returned a version older than the last acknowledged one (reported). */
  crossStaleDuring: number;
  /** After the settle: keys holding (on the master, or served by either instance) a version older than their last acknowledged write. */
  staleAtEnd: number;
  /** After the settle: keys holding the version of a write that was reported failed (and nothing newer was acknowledged). */
  failedApplied: number;
  /** Keys that are a miss at the end (invalidated or lost: never stale). */
  absentAtEnd: number;
}

const VALUE = /probe-v(\d+)/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Version in a stored or served value (whatever the store's encoding), 0 for a miss. */
function versionOf(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const match = VALUE.exec(typeof value === 'string' ? value : JSON.stringify(value));
  return match ? Number(match[1]) : -1;
}

/**
 * The stale-read measurement of issue #9 across two instances sharing the cache: `keys` keys (50) set to
 * v1 before the fault, then, from the fault on, each key rewritten `rounds` times (once: v2) `spacingMs`
 * (60 ms) apart, alternately through either instance, each write followed by a read through the other instance.
 * Writes of one key never overlap (the next waits for the previous answer). After the settle, `sweep()`
 * reads every key from the master (as admin) and through both instances: each must hold its last
 * acknowledged version or nothing, and never the version of a write that was reported failed.
 */
export class VersionedProbe {
  private readonly history = new Map<string, VersionedWrite[]>();
  readonly crossReads: CrossRead[] = [];
  private chains: Promise<void>[] = [];
  private stopped = false;

  constructor(
    private readonly pair: readonly [AppInstance, AppInstance],
    private readonly prefix: string,
    private readonly options: { keys?: number; spacingMs?: number; rounds?: number; ttlMs?: number } = {},
  ) {}

  private get keys(): string[] {
    return Array.from({ length: this.options.keys ?? 50 }, (_, i) => `${this.prefix}:${i}`);
  }

  /** v1 of every key through the first instance, all acknowledged (throws otherwise). */
  async prime(): Promise<void> {
    for (const key of this.keys) {
      const write = await this.write(key, 1, this.pair[0]);
      if (write.outcome !== 'acked') throw new Error(`probe ${key}: v1 not acknowledged before the fault`);
    }
  }

  /** Starts the rewrites (call at the fault). */
  start(): void {
    const spacing = this.options.spacingMs ?? 60;
    const rounds = this.options.rounds ?? 1;
    const keys = this.keys;
    const startedAt = Date.now();
    this.chains = keys.map(async (key, i) => {
      for (let round = 0; round < rounds && !this.stopped; round += 1) {
        const due = startedAt + (round * keys.length + i) * spacing;
        await sleep(Math.max(0, due - Date.now()));
        if (this.stopped) return;
        const writer = this.pair[(round + i) % 2]!;
        const reader = this.pair[(round + i + 1) % 2]!;
        await this.write(key, round + 2, writer);
        const acked = this.lastAcked(key);
        const got = versionOf(await reader.store.get(key).catch(() => undefined));
        this.crossReads.push({ key, via: reader.label, got, acked });
      }
    });
  }

  /** Bound on the rewrites: (rounds x keys x spacing) + a write's worst answer time. */
  get durationMs(): number {
    return (this.options.rounds ?? 1) * this.keys.length * (this.options.spacingMs ?? 60) + 2_000;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.chains);
  }

  private async write(key: string, version: number, via: AppInstance): Promise<VersionedWrite> {
    const write: VersionedWrite = { version, via: via.label, sentAt: Date.now(), outcome: 'pending' };
    const list = this.history.get(key) ?? [];
    list.push(write);
    this.history.set(key, list);
    try {
      // An entry, as Keyv hands it: the store encodes it (a bare string would be taken as already encoded).
      const ok = await via.store.set(key, { value: `probe-v${version}` }, this.options.ttlMs ?? 600_000);
      write.outcome = ok ? 'acked' : 'failed';
    } catch {
      write.outcome = 'failed';
    }
    write.doneAt = Date.now();
    return write;
  }

  private lastAcked(key: string): number {
    let version = 0;
    for (const write of this.history.get(key) ?? []) if (write.outcome === 'acked') version = Math.max(version, write.version);
    return version;
  }

  /**
   * After the settle (the topology stable, the instances' pending invalidations drained): every key on
   * the master and through both instances. Returns the figures and the keys that break a rule.
   */
  async sweep(topology: Topology): Promise<{ figures: VersionedFigures; findings: SweepFinding[] }> {
    await this.drain();
    const master = await topology.currentMaster();
    const keys = this.keys;
    const onMaster = (await topology.adminCommand(master, 'MGET', ...keys.map((key) => this.redisKey(key)))) as Array<string | null>;
    const findings: SweepFinding[] = [];
    let staleAtEnd = 0;
    let failedApplied = 0;
    let absentAtEnd = 0;
    for (const [index, key] of keys.entries()) {
      const history = this.history.get(key) ?? [];
      const last = history[history.length - 1]!;
      const lastAcked = this.lastAcked(key);
      const failedVersions = new Set(history.filter((w) => w.outcome !== 'acked').map((w) => w.version));
      const seen: Array<[string, number]> = [['master', versionOf(onMaster[index])]];
      for (const instance of this.pair) seen.push([instance.label, versionOf(await instance.store.get(key).catch(() => undefined))]);
      let stale = false;
      let applied = false;
      for (const [where, got] of seen) {
        if (got === 0) continue;
        if (got < lastAcked || got === -1) stale = true;
        else if (got > lastAcked && failedVersions.has(got)) applied = true;
        else continue;
        findings.push({ key, where, got, lastAcked, last });
      }
      if (stale) staleAtEnd += 1;
      if (applied) failedApplied += 1;
      if (!stale && !applied && seen[0]![1] === 0) absentAtEnd += 1;
    }
    const writes = [...this.history.values()].flat();
    return {
      figures: {
        keys: keys.length,
        writes: writes.length,
        acked: writes.filter((w) => w.outcome === 'acked').length,
        failed: writes.filter((w) => w.outcome !== 'acked').length,
        crossStaleDuring: this.crossReads.filter((read) => read.got !== 0 && read.got < read.acked).length,
        staleAtEnd,
        failedApplied,
        absentAtEnd,
      },
      findings,
    };
  }

  /** The store gets keys with Keyv's `namespace:` prefix already on (the prefix given includes it). */
  private redisKey(key: string): string {
    return key;
  }

  /** Waits (bounded) until neither instance has invalidations pending or operations waiting. */
  private async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.pair.every((i) => i.store.pendingInvalidations === 0 && i.store.waitingOperations === 0)) return;
      await sleep(50);
    }
  }
}
