import { isHealthyReplica } from '../health/health-replies.parser.js';
import type { NodeView } from '../health/health-facts.types.js';
import type { DoctorSettings } from './doctor-args.js';
import type { Check } from './doctor-report.js';
import { userName } from './probe-connection.js';
import { recordAddress, type SentinelInspection } from './sentinel-inspection.js';

/** What the sentinels said, for the data-node checks. */
export interface SentinelFindings {
  /** The master's address as the sentinel with the newest config epoch names it. */
  master?: string;
  /** That sentinel's `SENTINEL master` record. */
  state?: Record<string, string>;
  /** Its `SENTINEL replicas`. */
  replicas: Array<Record<string, string>>;
  /** Sentinels of the group that are not in the configured list, as announced. */
  unlisted: Array<Record<string, string>>;
}

const flagsOf = (record: Record<string, string> | undefined): string[] => (record?.flags ?? '').split(',').filter(Boolean);
const epochOf = (inspection: SentinelInspection): number => Number(inspection.state?.['config-epoch'] ?? -1);
const DOWN_FLAGS = ['s_down', 'o_down', 'disconnected'];

function replicaView(record: Record<string, string>): NodeView {
  const view: NodeView = { address: recordAddress(record), flags: flagsOf(record) };
  if (record['master-link-status'] !== undefined) view.linkOk = record['master-link-status'] === 'ok';
  return view;
}

function sentinelLine(settings: DoctorSettings, inspection: SentinelInspection, othersAnswered: boolean): Check {
  const { options } = settings;
  const user = `"${userName({ username: options.sentinelUsername })}"`;
  const at = `sentinel ${inspection.sentinel}`;
  const data = { sentinel: inspection.sentinel, connect: inspection.connect, answerMs: inspection.answerMs };
  switch (inspection.connect) {
    case 'auth':
      return {
        status: 'fail', id: 'sentinel', data,
        what: `${at} refused user ${user}: ${inspection.message}`,
        fix: 'check sentinelUsername and sentinelPassword (REDIS_SENTINEL_USERNAME, REDIS_SENTINEL_PASSWORD): the user and password of the sentinels\' ACL, not the data nodes\'',
      };
    case 'tls':
      return {
        status: 'fail', id: 'sentinel', data,
        what: `${at}: TLS handshake failed: ${inspection.message}`,
        fix: 'check sentinelTLS (--sentinel-tls-ca: the CA that signed the sentinels\' certificates; plain TCP against a TLS port fails too)',
      };
    case 'reset':
      return {
        status: 'fail', id: 'sentinel', data,
        what: `${at} closed the connection at once: ${inspection.message}`,
        fix: 'if the sentinels speak TLS only, set sentinelTLS (--sentinel-tls, --sentinel-tls-ca); else check what listens on that port',
      };
    case 'unreachable':
    case 'timeout':
      return {
        status: othersAnswered ? 'warn' : 'fail', id: 'sentinel', data,
        what: `${at} ${inspection.connect === 'timeout' ? 'did not answer' : 'is unreachable'}: ${inspection.message}`,
        fix:
          (othersAnswered
            ? 'start it again (or remove it from sentinels); the app resolves the master through the others meanwhile'
            : 'no sentinel answers: check the sentinels list and that the sentinels run; the cache misses until one answers') +
          (inspection.connect === 'timeout' && options.sentinelTLS ? ' (sentinelTLS is set: a plain-TCP sentinel never completes a TLS handshake)' : ''),
      };
    default:
  }
  if (inspection.master === null) {
    const monitors = inspection.monitors?.length ? ` (it monitors: ${inspection.monitors.map((name) => `"${name}"`).join(', ')})` : '';
    return {
      status: 'fail', id: 'sentinel', data: { ...data, monitors: inspection.monitors },
      what: `${at} does not monitor a master named "${options.name}"${monitors}`,
      fix: 'set name (REDIS_MASTER_NAME, --name) to the name of its "sentinel monitor <name> <ip> <port> <quorum>" line',
    };
  }
  if (inspection.master === undefined) {
    return {
      status: 'fail', id: 'sentinel', data,
      what: `${at}: user ${user} connected but could not resolve the master: ${inspection.message ?? 'no answer'}`,
      fix: 'see the ACL line of SENTINEL get-master-addr-by-name below',
    };
  }
  return {
    status: 'ok', id: 'sentinel', data: { ...data, master: inspection.master },
    what: `${at}: user ${user} authenticated, names ${inspection.master} as master "${options.name}" (${inspection.answerMs} ms)`,
  };
}

function agreementLine(name: string, answered: SentinelInspection[], newest: SentinelInspection): Check | undefined {
  const masters = new Map<string, string[]>();
  for (const inspection of answered) masters.set(inspection.master!, [...(masters.get(inspection.master!) ?? []), inspection.sentinel]);
  const data = { masters: Object.fromEntries(masters), configEpoch: epochOf(newest) };
  if (masters.size === 1) {
    return { status: 'ok', id: 'agreement', data, what: `sentinels agree: "${name}" is at ${newest.master} (${answered.length} answered, config epoch ${epochOf(newest)})` };
  }
  const views = [...masters].map(([master, sentinels]) => `${sentinels.join(', ')} name ${master}`).join('; ');
  const failingOver = answered.some((inspection) => flagsOf(inspection.state).includes('failover_in_progress'));
  return failingOver
    ? { status: 'warn', id: 'agreement', data, what: `sentinels disagree on "${name}" during a failover in progress: ${views}`, fix: 'run the doctor again once the failover is over (a few seconds)' }
    : {
        status: 'fail', id: 'agreement', data,
        what: `sentinels disagree on "${name}": ${views} (newest config epoch ${epochOf(newest)}: ${newest.master})`,
        fix: 'the others have a stale view (partitioned, or restarted with an old config): check their links and SENTINEL master <name> config-epoch',
      };
}

/** Sentinels alive: configured ones as reached from here; unlisted ones as the sentinels see them. */
function quorumLine(inspections: SentinelInspection[], newest: SentinelInspection, unlisted: Array<Record<string, string>>): Check | undefined {
  const quorum = Number(newest.state?.quorum);
  const others = Number(newest.state?.['num-other-sentinels']);
  if (!Number.isInteger(quorum) || !Number.isInteger(others)) return undefined;
  const known = Math.max(others + 1, inspections.length);
  const reached = inspections.filter((inspection) => inspection.connect === 'ok').length;
  const unlistedUp = unlisted.filter((record) => !flagsOf(record).some((flag) => DOWN_FLAGS.includes(flag))).length;
  const alive = Math.min(known, reached + unlistedUp);
  const majority = Math.floor(known / 2) + 1;
  const needed = Math.max(quorum, majority);
  const data = { quorum, known, alive, majority, needed };
  const facts = `quorum ${quorum}, ${alive} of ${known} sentinels alive; a failover needs ${needed} (max of quorum ${quorum} and majority ${majority})`;
  const lower = quorum > majority ? `lower the quorum to ${majority} (sentinel monitor <name> <ip> <port> ${majority}, or SENTINEL SET <name> quorum ${majority} on each)` : '';
  if (alive < needed) {
    return { status: 'fail', id: 'quorum', data, what: `${facts}: a dead master would NOT be failed over now`, fix: [lower, 'bring the down sentinels back'].filter(Boolean).join('; or ') };
  }
  if (alive === needed) {
    return {
      status: 'warn', id: 'quorum', data,
      what: `${facts}: with one more sentinel down a dead master is never failed over`,
      fix: lower || (alive < known ? 'bring the down sentinels back' : `run more sentinels (${known + 2} tolerate ${Math.floor((known + 1) / 2)} down)`),
    };
  }
  return { status: 'ok', id: 'quorum', data, what: `${facts}; ${alive - needed} more may fail` };
}

function replicasLine(name: string, replicas: Array<Record<string, string>>): Check {
  const views = replicas.map(replicaView);
  const describe = (view: NodeView) => `${view.address} (${view.flags.join(',')}${view.linkOk === false ? ', link down' : ''})`;
  const bad = views.filter((view) => !isHealthyReplica(view));
  const data = { replicas: views };
  if (views.length === 0) {
    return { status: 'fail', id: 'replicas', data, what: `the sentinels know no replica of "${name}": a failover has nothing to promote`, fix: 'start replicas (replicaof <master>, and masteruser/masterauth under ACLs)' };
  }
  if (bad.length === views.length) {
    return { status: 'fail', id: 'replicas', data, what: `no healthy replica of "${name}": ${bad.map(describe).join(', ')}`, fix: 'check the replicas\' logs; under ACLs every data node needs masteruser/masterauth' };
  }
  if (bad.length > 0) {
    return { status: 'warn', id: 'replicas', data, what: `replicas of "${name}" not healthy: ${bad.map(describe).join(', ')} (${views.length - bad.length} of ${views.length} fine)`, fix: 'check their logs and links to the master' };
  }
  return { status: 'ok', id: 'replicas', data, what: `the sentinels see ${views.length} replica(s) of "${name}", links up: ${views.map((view) => view.address).join(', ')}` };
}

function masterStateLine(newest: SentinelInspection): Check | undefined {
  const flags = flagsOf(newest.state);
  if (flags.some((flag) => DOWN_FLAGS.includes(flag))) {
    return { status: 'fail', id: 'master-state', data: { flags }, what: `the sentinels flag master ${newest.master} as ${flags.join(',')}`, fix: 'start it, or check that a failover can happen (quorum line)' };
  }
  if (flags.includes('failover_in_progress')) {
    return { status: 'warn', id: 'master-state', data: { flags }, what: `a failover of ${newest.master} is in progress`, fix: 'run the doctor again in a few seconds' };
  }
  return undefined;
}

function unlistedLine(settings: DoctorSettings, unlisted: Array<Record<string, string>>, known: number): Check | undefined {
  if (unlisted.length === 0) return undefined;
  return {
    status: 'warn', id: 'sentinel-list', data: { unlisted: unlisted.map(recordAddress) },
    what: `the group has ${known} sentinels; not in the app's list: ${unlisted.map(recordAddress).join(', ')} (${settings.options.sentinels.length} listed)`,
    fix: 'add them to sentinels (REDIS_SENTINELS): at start-up the app only knows the listed ones',
  };
}

/** The sentinel lines: one per configured sentinel, then agreement, master state, quorum, replicas, list. */
export function sentinelChecks(settings: DoctorSettings, inspections: SentinelInspection[]): { checks: Check[]; findings: SentinelFindings } {
  const answered = inspections.filter((inspection) => typeof inspection.master === 'string');
  const checks = inspections.map((inspection) => sentinelLine(settings, inspection, answered.length > 0));
  const newest = answered.reduce<SentinelInspection | undefined>((best, inspection) => (!best || epochOf(inspection) > epochOf(best) ? inspection : best), undefined);
  if (!newest) return { checks, findings: { replicas: [], unlisted: [] } };
  const listed = new Set(settings.options.sentinels.map((sentinel) => `${sentinel.host}:${sentinel.port}`));
  const unlisted = new Map<string, Record<string, string>>();
  for (const inspection of answered) {
    for (const record of inspection.others ?? []) if (!listed.has(recordAddress(record))) unlisted.set(recordAddress(record), record);
  }
  const known = Number(newest.state?.['num-other-sentinels'] ?? inspections.length - 1) + 1;
  checks.push(
    ...[
      agreementLine(settings.options.name, answered, newest),
      masterStateLine(newest),
      quorumLine(inspections, newest, [...unlisted.values()]),
      newest.replicas ? replicasLine(settings.options.name, newest.replicas) : undefined,
      unlistedLine(settings, [...unlisted.values()], known),
    ].filter((check): check is Check => check !== undefined),
  );
  return {
    checks,
    findings: { master: newest.master!, ...(newest.state && { state: newest.state }), replicas: newest.replicas ?? [], unlisted: [...unlisted.values()] },
  };
}
