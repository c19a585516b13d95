import type { DataNodeInspection } from './data-node-inspection.js';
import type { DoctorSettings } from './doctor-args.js';
import type { Check, CheckStatus } from './doctor-report.js';
import { userName } from './probe-connection.js';
import type { ReplicaLink } from './replication-replies.js';
import type { SentinelFindings } from './sentinel-checks.js';

/** Replicas acknowledge every second: a replica silent for this long is behind. */
const LAG_WARN_SECONDS = 5;

/** The sentinels see the node up (so if this host cannot reach it, the address is the problem). */
export function sentinelsSeeUp(findings: SentinelFindings, inspection: DataNodeInspection): boolean {
  const record = inspection.kind === 'master' ? findings.state : findings.replicas.find((replica) => `${replica.ip}:${replica.port}` === inspection.announced);
  const flags = (record?.flags ?? '').split(',');
  return record !== undefined && !flags.some((flag) => flag === 's_down' || flag === 'o_down' || flag === 'disconnected');
}

function connectionProblem(settings: DoctorSettings, findings: SentinelFindings, inspection: DataNodeInspection): Check | undefined {
  const user = `"${userName({ username: settings.options.username })}"`;
  const at = `${inspection.kind} ${inspection.announced}${inspection.reached !== inspection.announced ? ` (natMap: ${inspection.reached})` : ''}`;
  const data = { node: inspection.announced, reached: inspection.reached, connect: inspection.connect };
  switch (inspection.connect) {
    case 'ok':
      return undefined;
    case 'auth':
      return {
        status: 'fail', id: inspection.kind, data,
        what: `${at} refused user ${user}: ${inspection.message}`,
        fix: 'check username and password (REDIS_USERNAME, REDIS_PASSWORD): the user needs that password on every data node (a replica becomes the master)',
      };
    case 'tls':
      return { status: 'fail', id: inspection.kind, data, what: `${at}: TLS handshake failed: ${inspection.message}`, fix: 'check tls (--tls-ca: the CA that signed the data nodes\' certificates)' };
    case 'reset':
      return {
        status: 'fail', id: inspection.kind, data,
        what: `${at} closed the connection at once: ${inspection.message}`,
        fix: 'if the data nodes speak TLS only, set tls (--tls, --tls-ca); else check what listens on that port',
      };
    default: {
      const up = sentinelsSeeUp(findings, inspection);
      const status: CheckStatus = inspection.kind === 'master' ? 'fail' : 'warn';
      const fix = !up
        ? 'the sentinels see it down too: start it'
        : inspection.reached !== inspection.announced
          ? `natMap sends ${inspection.announced} to ${inspection.reached}, which this host cannot reach: fix the mapping`
          : 'the sentinels reach it but this host cannot: see the announced-addresses line (Docker/NAT: natMap)';
      const tlsHint = inspection.connect === 'timeout' && settings.options.tls ? ' (tls is set: a plain-TCP node never completes a TLS handshake)' : '';
      return { status, id: inspection.kind, data: { ...data, sentinelsSeeUp: up }, what: `${at} unreachable from here as ${user}: ${inspection.message}`, fix: fix + tlsHint };
    }
  }
}

function lagText(link: ReplicaLink | undefined, masterOffset: number | undefined): string {
  if (!link) return 'not in the master\'s replica list';
  const parts = [
    link.lagSeconds !== undefined ? `lag ${link.lagSeconds} s` : undefined,
    link.offset !== undefined && masterOffset !== undefined ? `${Math.max(0, masterOffset - link.offset)} bytes behind` : undefined,
    link.state && link.state !== 'online' ? `state ${link.state}` : undefined,
  ].filter(Boolean);
  return parts.join(', ');
}

function replicaLine(settings: DoctorSettings, inspection: DataNodeInspection, master: DataNodeInspection | undefined): Check {
  const user = `"${userName({ username: settings.options.username })}"`;
  const replication = master?.replication;
  const link = replication?.replicas.find((replica) => replica.address === inspection.announced);
  const lag = replication && replication.replicas.length > 0 ? lagText(link, replication.masterOffset) : undefined;
  const data = { node: inspection.announced, role: inspection.role, roleVia: inspection.roleVia, link };
  const role = inspection.role === 'slave' ? 'replica' : (inspection.role ?? 'unknown');
  const reached = `replica ${inspection.announced}: reachable as ${user}, role ${role} (${inspection.roleVia ?? 'not asked'})`;
  if (inspection.role === 'master') {
    return { status: 'fail', id: 'replica', data, what: `${reached}: the sentinels list it as a replica but it says master`, fix: 'two masters: check the sentinels\' view (SENTINEL replicas <name>) and that node\'s replicaof' };
  }
  if (lag === undefined) {
    return { status: 'ok', id: 'replica', data, what: `${reached} (lag unknown: user ${user} may run neither INFO nor ROLE on the master; --admin-user shows it)` };
  }
  const behind = !link || (link.lagSeconds ?? 0) >= LAG_WARN_SECONDS || (link.state !== undefined && link.state !== 'online');
  return behind
    ? { status: 'warn', id: 'replica', data, what: `${reached}, ${lag}`, fix: 'check its link to the master and its log (a lagging replica loses recent writes if promoted)' }
    : { status: 'ok', id: 'replica', data, what: `${reached}, ${lag}` };
}

function masterLine(settings: DoctorSettings, inspection: DataNodeInspection): Check {
  const user = `"${userName({ username: settings.options.username })}"`;
  const data = { node: inspection.announced, role: inspection.role, roleVia: inspection.roleVia };
  const at = `master ${inspection.announced}: reachable as ${user}`;
  if (inspection.role === 'master') return { status: 'ok', id: 'master', data, what: `${at}, role master (${inspection.roleVia})` };
  if (inspection.role) {
    return { status: 'fail', id: 'master', data, what: `${at}, but it says role ${inspection.role}`, fix: 'the sentinels name a node that is not a master: a stale sentinel view or a failover under way; run again, then check SENTINEL master <name>' };
  }
  return { status: 'warn', id: 'master', data, what: `${at}, role unknown (${inspection.message ?? `user ${user} may run neither INFO, ROLE nor WAIT`})`, fix: 'see the ACL lines (+wait)' };
}

/** One line for the master, then one per replica the sentinels list. */
export function dataNodeChecks(settings: DoctorSettings, findings: SentinelFindings, inspections: DataNodeInspection[]): Check[] {
  const master = inspections.find((inspection) => inspection.kind === 'master' && inspection.connect === 'ok');
  return inspections.map(
    (inspection) =>
      connectionProblem(settings, findings, inspection) ??
      (inspection.kind === 'master' ? masterLine(settings, inspection) : replicaLine(settings, inspection, master)),
  );
}
