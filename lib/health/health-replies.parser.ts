import { text, toRecord } from '../client/redis-replies.js';
import type { NodeView } from './health-facts.types.js';

export { toRecord };

/** Parsers of the replies the health check reads; tolerant: an unexpected shape yields "unknown", never a throw. */

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
  if (!ip || !port) return null;
  const view: NodeView = { address: `${ip}:${port}`, flags: flags(record['flags']) };
  if (record['role-reported']) view.roleReported = record['role-reported'];
  if (record['master-link-status'] !== undefined) view.linkOk = record['master-link-status'] === 'ok';
  return view;
}

/** `SENTINEL MASTER <name>` → the master's state, quorum and the number of other sentinels. */
export function parseMasterState(reply: unknown): (NodeView & { quorum?: number; otherSentinels?: number }) | undefined {
  const record = toRecord(reply);
  const view = nodeView(record);
  if (!view) return undefined;
  const quorum = optionalNumber(record['quorum']);
  const otherSentinels = optionalNumber(record['num-other-sentinels']);
  return {
    ...view,
    ...(quorum !== undefined && { quorum }),
    ...(otherSentinels !== undefined && { otherSentinels }),
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

/** `INFO replication` → the node's role and its online replicas (`slaveN:...state=online`). */
export function parseInfoReplication(reply: unknown): { role: string; onlineReplicas?: number } | null {
  const lines = text(reply).split(/\r?\n/);
  const role = lines.find((line) => line.startsWith('role:'))?.slice('role:'.length).trim();
  if (!role) return null;
  if (role !== 'master') return { role };
  const onlineReplicas = lines.filter((line) => /^slave\d+:/.test(line) && /(^|[:,])state=online(,|$)/.test(line)).length;
  return { role, onlineReplicas };
}

/** `ROLE` → `master`, `slave` or `sentinel`, or null. */
export function parseRoleReply(reply: unknown): string | null {
  if (!Array.isArray(reply) || reply.length === 0) return null;
  return text(reply[0]) || null;
}
