import { sentinelsSeeUp } from './data-node-checks.js';
import type { DataNodeInspection } from './data-node-inspection.js';
import type { Check } from './doctor-report.js';
import type { Opened } from './probe-connection.js';
import type { SentinelFindings } from './sentinel-checks.js';

/** An unlisted sentinel the others announce, and whether this host reached it. */
export interface AnnouncedSentinel {
  address: string;
  connect: Opened['kind'];
  seenUp: boolean;
}

const unreachable = (connect: Opened['kind']) => connect === 'unreachable' || connect === 'timeout';

/**
 * The Docker/NAT case: an address the sentinels announce (and reach) that this host cannot reach.
 * The master's is a failure (no cache), a replica's or a sentinel's a warning.
 */
export function addressesLine(findings: SentinelFindings, nodes: DataNodeInspection[], sentinels: AnnouncedSentinel[]): Check | undefined {
  if (nodes.length === 0) return undefined;
  const hidden = nodes.filter((node) => unreachable(node.connect) && sentinelsSeeUp(findings, node));
  const hiddenSentinels = sentinels.filter((sentinel) => unreachable(sentinel.connect) && sentinel.seenUp);
  const mapped = nodes.filter((node) => node.reached !== node.announced);
  const data = {
    announced: nodes.map((node) => ({ kind: node.kind, address: node.announced, reached: node.reached, connect: node.connect })),
    sentinels: sentinels.map(({ address, connect }) => ({ address, connect })),
  };
  if (hidden.length === 0 && hiddenSentinels.length === 0) {
    const reached = nodes.filter((node) => node.connect !== 'unreachable' && node.connect !== 'timeout');
    const through = mapped.length > 0 ? ` (${mapped.length} through natMap)` : '';
    const list = [...reached.map((node) => `${node.kind} ${node.announced}`), ...sentinels.filter((sentinel) => !unreachable(sentinel.connect)).map((sentinel) => `sentinel ${sentinel.address}`)];
    return { status: 'ok', id: 'addresses', data, what: `the addresses the sentinels announce are reachable from here${through}: ${list.join(', ')}` };
  }
  const listed = [
    ...hidden.map((node) => `${node.announced} (${node.kind}${node.reached !== node.announced ? `, natMap: ${node.reached}` : ''})`),
    ...hiddenSentinels.map((sentinel) => `${sentinel.address} (sentinel)`),
  ];
  const unmapped = hidden.filter((node) => node.reached === node.announced);
  const natMap = unmapped.map((node) => `${node.announced}=<reachable-host>:<port>`).join(',');
  const fixes = [
    unmapped.length > 0 ? `set natMap, e.g. REDIS_NAT_MAP=${natMap} (or "natMap": {"${unmapped[0]!.announced}": {"host": "...", "port": ...}})` : undefined,
    unmapped.length < hidden.length ? 'fix the natMap entries that point to unreachable addresses' : undefined,
    'or make the nodes announce reachable addresses (replica-announce-ip, sentinel announce-ip)',
  ].filter(Boolean);
  return {
    status: hidden.some((node) => node.kind === 'master') ? 'fail' : 'warn',
    id: 'addresses',
    data,
    what: `the sentinels announce addresses they reach but this host cannot (a Docker/NAT network?): ${listed.join(', ')}`,
    fix: fixes.join('; '),
  };
}
