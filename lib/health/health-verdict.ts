import type { HealthFacts, NodeView, SameNode, SentinelView } from './health-facts.types.js';
import { isHealthyReplica } from './health-replies.parser.js';
import type { RedisSentinelDownReason, RedisSentinelHealthDetails, RedisSentinelsSummary } from './redis-sentinel-health.types.js';

export interface HealthVerdict {
  status: 'up' | 'down';
  details: RedisSentinelHealthDetails;
}

type Answered = Extract<SentinelView, { kind: 'ok' }>;

const exactly: SameNode = (announced, connected) => announced === connected;

function user(name: string | undefined): string {
  return `"${name ?? 'default'}"`;
}

function roundLatency(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The master most sentinels name; a tie goes to the node the client is connected to, then to the first named. */
function electMaster(answered: Answered[], connectedTo: string | null, sameNode: SameNode): string | null {
  const votes = new Map<string, number>();
  for (const view of answered) if (view.master !== null) votes.set(view.master, (votes.get(view.master) ?? 0) + 1);
  let best: string | null = null;
  let bestVotes = 0;
  for (const [address, count] of votes) {
    const wins = count > bestVotes || (count === bestVotes && connectedTo !== null && sameNode(address, connectedTo));
    if (wins) {
      best = address;
      bestVotes = count;
    }
  }
  return best;
}

function describeAnswer(view: SentinelView): string {
  if (view.kind !== 'ok') return view.message;
  return view.master ?? 'does not monitor this master name';
}

/**
 * Role of the connected node in the view of the sentinels that name the elected master: `master` if it is
 * that master, `slave` if they list it as a replica (a minority still naming an old master is ignored).
 */
function roleFromSentinels(answered: Answered[], master: string | null, connectedTo: string, sameNode: SameNode): string | null {
  if (master === null) return null;
  if (sameNode(master, connectedTo)) return 'master';
  const listed = answered.some((view) => view.master === master && view.replicas?.some((entry) => sameNode(entry.address, connectedTo)));
  return listed ? 'slave' : null;
}

function countReplicas(answered: Answered[], master: string | null): number | null {
  const view = answered.find((entry) => entry.master === master && entry.replicas !== undefined);
  return view?.replicas ? view.replicas.filter(isHealthyReplica).length : null;
}

function masterState(answered: Answered[], master: string | null): (NodeView & { quorum?: number }) | undefined {
  return answered.find((view) => view.master === master && view.masterState)?.masterState;
}

/**
 * The verdict of a health check from the facts it collected. `down` only when the app cannot serve
 * correctly from Redis (not connected, connected to the wrong node, not answering, master unknown);
 * sentinel trouble while the master is fine is `up` with warnings.
 */
export function judge(facts: HealthFacts, sameNode: SameNode = exactly): HealthVerdict {
  const { node } = facts;
  const answered = facts.sentinels.filter((view): view is Answered => view.kind === 'ok');
  const connectedTo = node.connectedTo;
  const master = electMaster(answered, connectedTo, sameNode);
  const distinct = new Set(answered.map((view) => view.master ?? '(none)'));
  const agree = answered.length > 0 && distinct.size === 1;
  const state = masterState(answered, master);
  const total = facts.sentinels.length;

  const sentinels: RedisSentinelsSummary = { reachable: answered.length, total, agree };
  if (state?.quorum !== undefined) sentinels.quorum = state.quorum;
  if (answered.length < total || !agree) {
    sentinels.answers = Object.fromEntries(facts.sentinels.map((view) => [view.sentinel, describeAnswer(view)]));
  }

  // Role: the node's own word where the ACL allows, else the sentinels' view.
  let role = 'unknown';
  let roleSource: RedisSentinelHealthDetails['roleSource'] = null;
  if (node.role.kind === 'ok') {
    role = node.role.role;
    roleSource = 'node';
  } else if (connectedTo !== null) {
    const seen = roleFromSentinels(answered, master, connectedTo, sameNode);
    if (seen) {
      role = seen;
      roleSource = 'sentinels';
    }
  }
  const replicas = countReplicas(answered, master) ?? (node.role.kind === 'ok' ? (node.role.onlineReplicas ?? null) : null);
  const details: RedisSentinelHealthDetails = {
    master,
    connectedTo,
    role,
    roleSource,
    latencyMs: node.ping.kind === 'ok' ? roundLatency(node.ping.latencyMs) : null,
    sentinels,
    replicas,
  };

  const unchecked = uncheckedItems(facts, answered, connectedTo);
  const warnings = warningItems(facts, answered, master, state, sentinels);
  const down = downReason({ facts, answered, master, role, roleSource, sameNode });
  if (down) {
    details.reason = down.reason;
    details.message = down.message;
  } else if (warnings.length > 0) {
    details.degraded = true;
  }
  if (warnings.length > 0) details.warnings = warnings;
  if (unchecked.length > 0) details.unchecked = unchecked;
  return { status: down ? 'down' : 'up', details };
}

interface Findings {
  facts: HealthFacts;
  answered: Answered[];
  master: string | null;
  role: string;
  roleSource: RedisSentinelHealthDetails['roleSource'];
  sameNode: SameNode;
}

/** The first reason, in order of what an operator must act on, why the app cannot serve correctly; or null. */
function downReason({ facts, answered, master, role, roleSource, sameNode }: Findings): { reason: RedisSentinelDownReason; message: string } | null {
  const { node, name } = facts;
  const connectedTo = node.connectedTo;
  const named = master ? ` The sentinels name ${master} as the master.` : '';
  if (node.status !== 'ready' || connectedTo === null) {
    return {
      reason: 'client-not-ready',
      message:
        `The app's Redis client is not connected to the master of "${name}" (client status "${node.status}"): ` +
        `cache reads miss and writes fail until it reconnects.${named}`,
    };
  }
  if (master !== null && !sameNode(master, connectedTo)) {
    const reports =
      role === 'unknown' ? '' : roleSource === 'node' ? ` (it reports role "${role}")` : ` (the sentinels list it as a ${role === 'slave' ? 'replica' : role})`;
    return {
      reason: 'stale-master',
      message:
        `The app is connected to ${connectedTo}${reports}, but the sentinels name ${master} as the master of "${name}": ` +
        `the connection is stale (a failover was not followed yet). ` +
        (facts.failoverInProgress
          ? `The client is switching to the new master; cache writes are held until it is there.`
          : `Writes go to the old master and fail with READONLY or are lost when it resyncs; reads may be stale.`),
    };
  }
  if (role === 'slave' || role === 'replica') {
    const source = roleSource === 'node' ? 'reports role "slave"' : 'is listed as a replica by the sentinels';
    return {
      reason: 'connected-to-replica',
      message: `The node the app is connected to (${connectedTo}) ${source}: writes fail with READONLY until the client reconnects to the master.${named}`,
    };
  }
  if (node.ping.kind === 'timeout') {
    return {
      reason: 'ping-timeout',
      message:
        `PING to ${connectedTo} through the app's client did not answer within ${facts.timeoutMs} ms: the node is ` +
        `overloaded, paused or unreachable, and cache calls time out.`,
    };
  }
  if (node.ping.kind === 'error') {
    return { reason: 'ping-failed', message: `PING to ${connectedTo} through the app's client failed: ${node.ping.message}` };
  }
  if (answered.length > 0 && master === null) {
    return {
      reason: 'master-unknown',
      message: `No reachable sentinel monitors a master named "${name}" (asked ${answered.map((view) => view.sentinel).join(', ')}): check the module's "name" option.`,
    };
  }
  if (answered.length === 0 && roleSource !== 'node') {
    const why =
      node.role.kind === 'denied'
        ? `user ${user(facts.username)} may not run INFO or ROLE on it`
        : node.role.kind === 'timeout'
          ? `INFO/ROLE did not answer within ${facts.timeoutMs} ms`
          : `INFO/ROLE failed${node.role.kind === 'error' ? `: ${node.role.message}` : ''}`;
    return {
      reason: 'master-unconfirmed',
      message:
        `No sentinel answers (0 of ${facts.sentinels.length}) and the node the app is connected to (${connectedTo}) ` +
        `cannot confirm it is the master (${why}): the app may be writing to a demoted master.`,
    };
  }
  return null;
}

function uncheckedItems(facts: HealthFacts, answered: Answered[], connectedTo: string | null): string[] {
  const items: string[] = [];
  if (facts.node.role.kind === 'denied' && connectedTo !== null) {
    items.push(
      `role on the node: user ${user(facts.username)} may not run INFO or ROLE on ${connectedTo}; the role is taken ` +
        `from the sentinels' view when they answer. Add "+info" to that user on every data node to confirm it on the node itself.`,
    );
  }
  const denied = new Set(answered.flatMap((view) => view.denied));
  if (denied.has('SENTINEL MASTER')) {
    items.push(`quorum and master flags: user ${user(facts.sentinelUsername)} may not run SENTINEL MASTER on the sentinels (add "+sentinel|master").`);
  }
  if (denied.has('SENTINEL REPLICAS')) {
    items.push(`replicas: user ${user(facts.sentinelUsername)} may not run SENTINEL REPLICAS on the sentinels (add "+sentinel|replicas").`);
  }
  for (const view of facts.sentinels) {
    if (view.kind === 'denied') {
      items.push(`master address from ${view.sentinel}: user ${user(facts.sentinelUsername)} ${view.message} (add "+sentinel|get-master-addr-by-name").`);
    }
  }
  return items;
}

function warningItems(
  facts: HealthFacts,
  answered: Answered[],
  master: string | null,
  state: (NodeView & { quorum?: number }) | undefined,
  sentinels: RedisSentinelsSummary,
): string[] {
  const warnings: string[] = [];
  const total = facts.sentinels.length;
  const failed = facts.sentinels.filter((view) => view.kind !== 'ok');
  const majority = Math.floor(total / 2) + 1;
  const needed = Math.max(sentinels.quorum ?? 0, majority);
  if (answered.length === 0) {
    warnings.push(
      `No sentinel answers (0 of ${total}; see sentinels.answers). The app keeps serving from the node it is ` +
        `connected to, but a failure of the master would be neither failed over nor followed.`,
    );
  } else if (failed.length > 0) {
    const list = failed.map((view) => view.sentinel).join(', ');
    const below =
      answered.length < needed
        ? ` Fewer than the ${needed} needed to fail over (quorum ${sentinels.quorum ?? 'unknown'}, majority ${majority} of ${total}): if the master fails now, it is not replaced.`
        : '';
    warnings.push(`${failed.length} of ${total} sentinels do not answer (${list}; see sentinels.answers).${below}`);
  }
  if (answered.length > 0 && !sentinels.agree) {
    warnings.push(
      `The sentinels disagree on the master of "${facts.name}" (${answered.map((view) => `${view.sentinel} → ${describeAnswer(view)}`).join('; ')}): ` +
        `a failover may be in progress; reported master: ${master ?? 'none'}.`,
    );
  }
  const flags = state?.flags ?? [];
  if (facts.failoverInProgress) {
    warnings.push(`A failover of "${facts.name}" is in progress: cache writes are held until the client reaches the new master.`);
  } else if (flags.includes('failover_in_progress')) {
    warnings.push(`The sentinels are failing over "${facts.name}" (flag failover_in_progress on ${master}).`);
  }
  const down = flags.filter((flag) => flag === 's_down' || flag === 'o_down');
  if (down.length > 0) {
    warnings.push(`The sentinels flag the master ${master} as down (${down.join(', ')}) although the app reaches it: a failover may follow.`);
  }
  return warnings;
}
