import { text, toRecord } from '../client/redis-replies.js';

export { toRecord };
export { isHealthyReplica, parseMasterAddress, parseMasterState, parseReplicas } from '../sentinel/sentinel-replies.parser.js';

/** Parsers of the replies the health check reads; tolerant: an unexpected shape yields "unknown", never a throw. */

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
