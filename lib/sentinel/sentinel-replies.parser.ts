import { text, toRecord } from '../client/redis-replies.js';

/** Parsers of sentinel replies; tolerant: an unexpected shape yields null / empty, never a throw. */

/** A node as one sentinel describes it (SENTINEL MASTER / SENTINEL REPLICAS). */
export interface NodeView {
  /** `ip:port` as announced by the sentinel. */
  address: string;
  flags: string[];
  /** `role-reported` (what the node told the sentinel at its last INFO). */
  roleReported?: string;
  /** Replicas only: `master-link-status` is `ok`. */
  linkOk?: boolean;
}

/** What `SENTINEL MASTER <name>` says of the master. */
export interface MasterState extends NodeView {
  quorum?: number;
  otherSentinels?: number;
  /** `config-epoch`: grows by one with every failover; the newest epoch names the real master. */
  configEpoch?: number;
  /** This sentinel leads a failover of the group right now (`failover_in_progress` flag). */
  failingOver: boolean;
}

/** `SENTINEL get-master-addr-by-name` → `ip:port`, or null (the sentinel does not monitor that name). */
export function parseMasterAddress(reply: unknown): string | null {
  if (!Array.isArray(reply) || reply.length < 2) return null;
  const host = text(reply[0]);
  const port = text(reply[1]);
  return host && /^\d+$/.test(port) ? `${host}:${port}` : null;
}

function flags(value: string | undefined): string[] {
  return value ? value.split(',').filter(Boolean) : [];
}

function optionalNumber(value: string | undefined): number | undefined {
  const number = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(number) ? number : undefined;
}

function nodeView(record: Record<string, string>): NodeView | null {
  const ip = record['ip'];
  const port = record['port'];
  if (!ip || !port || !/^\d+$/.test(port)) return null;
  const view: NodeView = { address: `${ip}:${port}`, flags: flags(record['flags']) };
  if (record['role-reported']) view.roleReported = record['role-reported'];
  if (record['master-link-status'] !== undefined) view.linkOk = record['master-link-status'] === 'ok';
  return view;
}

/** `SENTINEL MASTER <name>` → the master's state, epoch, quorum and the number of other sentinels. */
export function parseMasterState(reply: unknown): MasterState | undefined {
  const record = toRecord(reply);
  const view = nodeView(record);
  if (!view) return undefined;
  const quorum = optionalNumber(record['quorum']);
  const otherSentinels = optionalNumber(record['num-other-sentinels']);
  const configEpoch = optionalNumber(record['config-epoch']);
  return {
    ...view,
    ...(quorum !== undefined && { quorum }),
    ...(otherSentinels !== undefined && { otherSentinels }),
    ...(configEpoch !== undefined && { configEpoch }),
    failingOver: view.flags.includes('failover_in_progress'),
  };
}

/** `SENTINEL REPLICAS <name>` → one view per replica. */
export function parseReplicas(reply: unknown): NodeView[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => nodeView(toRecord(entry))).filter((view): view is NodeView => view !== null);
}

/** A replica the sentinels consider usable: up, linked to its master. */
export function isHealthyReplica(view: NodeView): boolean {
  const bad = ['s_down', 'o_down', 'disconnected'];
  return view.flags.includes('slave') && !view.flags.some((flag) => bad.includes(flag)) && view.linkOk !== false;
}
