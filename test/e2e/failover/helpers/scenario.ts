import type { Address } from '../../../../scripts/topology/topology.js';
import { type Harness, type HealthAnswer, waitForHealth } from './harness.js';
import { LoadGenerator, type LoadStats } from './load-generator.js';
import { missingOnMaster, ProbeWriter, type ProbeWrite } from './probe-writer.js';
import { type RecordedEvent, switchTarget } from './sentinel-events.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A write acknowledged this long after `+switch-master` must be on the new master. */
export const SWITCH_GRACE_MS = 50;

export interface ScenarioResult {
  scenario: string;
  acl: 'fixed' | 'seed';
  requests: number;
  serverErrors: number;
  transportErrors: number;
  unexpectedStatuses: number;
  staleReads: number;
  maxLatencyMs: number;
  cacheHits: number;
  /** ms from the fault to Sentinel's first `+switch-master`. */
  faultToSwitchMs?: number;
  /** ms from the fault to the first write acknowledged by the (new) master. */
  faultToFirstWriteMs?: number;
  /** ms from `+switch-master` to that write (the client's own lag). */
  switchToFirstWriteMs?: number;
  probeAcked: number;
  probeFailed: number;
  /** Acknowledged more than SWITCH_GRACE_MS after `+switch-master`, then missing on the new master. */
  lostAfterSwitch: number;
  /** Acknowledged before that, then missing (with no switch: every acknowledged write that is missing). */
  lostBeforeSwitch: number;
  /** What the library itself reported (FailoverRecord): reconnect ms, fenced ms and held writes. */
  library?: string;
  from: string;
  to: string;
  health: string;
  healthNamesMaster: boolean;
  /** After recovery a write then two reads gave the new version, the second from Redis. */
  postRecoveryOk: boolean;
}

export interface ScenarioDetails {
  result: ScenarioResult;
  stats: LoadStats;
  switchEvent?: RecordedEvent;
  firstWrite?: ProbeWrite;
  missing: ProbeWrite[];
  finalHealth: HealthAnswer;
  timeline: string;
  postRecovery: { ok: boolean; detail: string };
  /** The app's log lines since the fault (warnings and the library's failover lines). */
  log: string[];
}

export interface FaultSpec {
  scenario: string;
  acl?: 'fixed' | 'seed';
  /** Triggers the fault; may wait for Sentinel's events (e.g. SIGCONT after the switch). */
  inject(harness: Harness): Promise<void>;
  /** A master change is expected (+switch-master). */
  expectSwitch: boolean;
  /** Bound on the load after the fault. @default 20000 */
  maxLoadMs?: number;
  /** Keep the load this long after the first write acknowledged by the new master. @default 2500 */
  settleMs?: number;
  /** After the load: restart what the fault killed, before waiting for a stable topology. */
  restore?(harness: Harness): Promise<void>;
  /** @default 45000 */
  stableTimeoutMs?: number;
}

function key(address: Address): string {
  return `${address.host}:${address.port}`;
}

/**
 * Runs load (HTTP + probe writes) across one fault, waits for a stable topology, reads every
 * acknowledged probe write back from the current master as admin, checks that the app serves fresh
 * values from the cache again and that /health names the master. Measures; the spec asserts.
 */
export async function runFaultScenario(harness: Harness, spec: FaultSpec): Promise<ScenarioDetails> {
  const { topology, recorder } = harness;
  const from = await topology.currentMaster();
  const logFrom = harness.logger.lines.length;
  const load = new LoadGenerator(harness.url, { prefix: spec.scenario.replace(/\W+/g, '_'), maxDurationMs: (spec.maxLoadMs ?? 20_000) + 15_000 });
  const probe = new ProbeWriter(harness.store, harness.client, `${harness.namespace}:probe:${spec.scenario.replace(/\W+/g, '_')}:${Date.now()}`);
  let faultAt = Date.now();
  let injectError: unknown;
  let switchEvent: RecordedEvent | undefined;
  let firstWrite: ProbeWrite | undefined;
  try {
    await sleep(1_000);
    faultAt = Date.now();
    let injected = false;
    const injecting = spec.inject(harness).then(
      () => (injected = true),
      (error: unknown) => {
        injectError = error;
        injected = true;
      },
    );
    const deadline = faultAt + (spec.maxLoadMs ?? 20_000);
    const settleMs = spec.settleMs ?? 2_500;
    while (Date.now() < deadline) {
      switchEvent ??= recorder.first('+switch-master', faultAt);
      const target = spec.expectSwitch ? (switchEvent ? switchTarget(switchEvent) : undefined) : from;
      if (target) firstWrite ??= probe.firstAckOn(target.port, faultAt);
      if (injected && firstWrite && Date.now() >= Math.max(firstWrite.ackAt!, faultAt) + settleMs) break;
      if (injectError) break;
      await sleep(20);
    }
    await injecting;
  } finally {
    await Promise.all([load.stop(), probe.stop()]);
  }
  if (injectError) throw injectError;
  await spec.restore?.(harness);
  const master = await topology.waitForStable(spec.stableTimeoutMs ?? 45_000);
  const acked = probe.acked();
  const missing = await missingOnMaster(topology, acked);
  const switchAt = switchEvent?.at;
  const lostAfterSwitch = switchAt === undefined ? [] : missing.filter((write) => write.ackAt! > switchAt + SWITCH_GRACE_MS);
  const postRecovery = await checkServesFresh(harness.url, spec.scenario);
  const finalHealth = await waitForHealth(harness.url, (answer) => answer.status === 200 && answer.master === key(master), 10_000);
  const library = harness.failovers.filter((record) => record.at >= faultAt);
  const stats = load.stats;
  const result: ScenarioResult = {
    scenario: spec.scenario,
    acl: spec.acl ?? 'fixed',
    ...loadFigures(stats),
    faultToSwitchMs: switchAt === undefined ? undefined : switchAt - faultAt,
    faultToFirstWriteMs: firstWrite ? firstWrite.ackAt! - faultAt : undefined,
    switchToFirstWriteMs: firstWrite && switchAt !== undefined ? firstWrite.ackAt! - switchAt : undefined,
    probeAcked: acked.length,
    probeFailed: probe.writes.length - acked.length,
    lostAfterSwitch: lostAfterSwitch.length,
    lostBeforeSwitch: missing.length - lostAfterSwitch.length,
    library: library.length
      ? library.map((record) => `reconnect ${record.reconnectMs} ms, fenced ${record.fencedMs} ms (${record.heldWrites} held)`).join('; ')
      : undefined,
    from: key(from),
    to: key(master),
    health: `${finalHealth.status} master=${String(finalHealth.master)}`,
    healthNamesMaster: finalHealth.status === 200 && finalHealth.master === key(master),
    postRecoveryOk: postRecovery.ok,
  };
  const details: ScenarioDetails = {
    result,
    stats,
    switchEvent,
    firstWrite,
    missing,
    finalHealth,
    timeline: recorder.timeline(faultAt - 1_000),
    postRecovery,
    log: harness.logger.lines.slice(logFrom).map((line) => `${line.level}: ${line.message}`).slice(0, 60),
  };
  if (process.env['FAILOVER_VERBOSE']) process.stdout.write(`\n${explain(details)}\n`);
  return details;
}

/**
 * After recovery: a write then two reads of a fresh record must give the new version, the second
 * from Redis (X-Cache: HIT), i.e. the cache serves again without a restart.
 */
export async function checkServesFresh(url: string, label: string): Promise<{ ok: boolean; detail: string }> {
  const id = `after-${label.replace(/\W+/g, '_')}-${Date.now()}`;
  const deadline = Date.now() + 10_000;
  let detail = 'not tried';
  while (Date.now() < deadline) {
    try {
      const post = await fetch(`${url}/products/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ price: 1 }),
        signal: AbortSignal.timeout(5_000),
      });
      const written = (await post.json()) as { version: number };
      const first = await fetch(`${url}/products/${id}`, { signal: AbortSignal.timeout(5_000) });
      const firstBody = (await first.json()) as { version: number };
      await sleep(50);
      const second = await fetch(`${url}/products/${id}`, { signal: AbortSignal.timeout(5_000) });
      const secondBody = (await second.json()) as { version: number };
      detail = `POST ${post.status} v${written.version}; GET ${first.status} v${firstBody.version} ${first.headers.get('x-cache')}; GET ${second.status} v${secondBody.version} ${second.headers.get('x-cache')}`;
      if (
        post.status === 200 && first.status === 200 && second.status === 200 &&
        firstBody.version === written.version && secondBody.version === written.version &&
        second.headers.get('x-cache') === 'HIT'
      ) {
        return { ok: true, detail };
      }
    } catch (error) {
      detail = String(error);
    }
    await sleep(250);
  }
  return { ok: false, detail };
}

/** A failure message with everything needed to understand a broken bound. */
export function explain(details: ScenarioDetails): string {
  const { result, stats } = details;
  return [
    `scenario ${result.scenario} (${result.acl} ACL): ${JSON.stringify(result)}`,
    `HTTP by status ${JSON.stringify(stats.byStatus)}; first errors:\n  ${stats.firstErrors.join('\n  ') || '(none)'}`,
    `stale reads: ${JSON.stringify(stats.staleReads.slice(0, 5))}`,
    `missing writes (first 5): ${JSON.stringify(details.missing.slice(0, 5))}`,
    `post-recovery: ${details.postRecovery.detail}`,
    `health: ${details.finalHealth.status} ${JSON.stringify(details.finalHealth.body)}`,
    `sentinel events:\n${details.timeline}`,
    `app log:\n  ${details.log.join('\n  ')}`,
  ].join('\n');
}

/**
 * The bounds every scenario with the corrected ACLs must meet (no 5xx, no hang, no stale read, no
 * write acknowledged after the announcement and lost, the cache serving again, /health naming the
 * master), plus the given upper bounds on figures. Returns what failed, in words (empty: all hold).
 */
export function boundFailures(
  result: ScenarioResult,
  maxima: Partial<Record<'switchToFirstWriteMs' | 'faultToFirstWriteMs' | 'lostBeforeSwitch', number>> = {},
  { expectSwitch = true }: { expectSwitch?: boolean } = {},
): string[] {
  const failures: string[] = [];
  const zero = ['serverErrors', 'transportErrors', 'unexpectedStatuses', 'staleReads', 'lostAfterSwitch'] as const;
  for (const field of zero) if (result[field] !== 0) failures.push(`${field} = ${result[field]} (must be 0)`);
  if (expectSwitch && result.faultToSwitchMs === undefined) failures.push('no +switch-master was observed');
  if (result.faultToFirstWriteMs === undefined) failures.push('no write was acknowledged by the (new) master during the load');
  for (const [field, max] of Object.entries(maxima) as Array<[keyof typeof maxima, number]>) {
    const value = result[field];
    if (value === undefined) failures.push(`${field} not measured`);
    else if (value > max) failures.push(`${field} = ${value} (bound ${max})`);
  }
  if (!result.postRecoveryOk) failures.push('after recovery the app did not serve fresh values from the cache (see post-recovery)');
  if (!result.healthNamesMaster) failures.push(`/health does not name the master ${result.to}: ${result.health}`);
  return failures;
}

/** The load generator's figures of a scenario, as the table reports them. */
export function loadFigures(stats: LoadStats) {
  return {
    requests: stats.requests,
    serverErrors: stats.serverErrors,
    transportErrors: stats.transportErrors,
    unexpectedStatuses: stats.unexpected,
    staleReads: stats.staleReads.length,
    maxLatencyMs: stats.maxLatencyMs,
    cacheHits: stats.cacheHits,
  };
}
