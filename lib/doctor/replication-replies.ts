import { text } from '../client/redis-replies.js';
import { parseInfoReplication, parseRoleReply } from '../health/health-replies.parser.js';

/** One replica as its master sees it. */
export interface ReplicaLink {
  address: string;
  /** `online`, `wait_bgsave`, `send_bulk`, ... (INFO only). */
  state?: string;
  /** Replication offset the replica acknowledged. */
  offset?: number;
  /** Seconds since its last acknowledgement (INFO only; replicas acknowledge every second). */
  lagSeconds?: number;
}

export interface ReplicationView {
  role: string;
  /** The master's replication offset (on a master). */
  masterOffset?: number;
  replicas: ReplicaLink[];
}

function number(value: string | undefined): number | undefined {
  const parsed = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(parsed) ? parsed : undefined;
}

/** `INFO replication`: role, `master_repl_offset` and each `slaveN:ip=..,port=..,state=..,offset=..,lag=..`. */
export function parseReplicationInfo(reply: unknown): ReplicationView | null {
  const role = parseInfoReplication(reply)?.role;
  if (!role) return null;
  const lines = text(reply).split(/\r?\n/);
  const field = (name: string) => lines.find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1).trim();
  const replicas = lines
    .filter((line) => /^slave\d+:/.test(line))
    .map((line) => Object.fromEntries(line.slice(line.indexOf(':') + 1).split(',').map((pair) => pair.split('=') as [string, string])))
    .map((entry: Record<string, string | undefined>) => {
      const link: ReplicaLink = { address: `${entry.ip ?? ''}:${entry.port ?? ''}` };
      if (entry.state) link.state = entry.state;
      const offset = number(entry.offset);
      if (offset !== undefined) link.offset = offset;
      const lag = number(entry.lag);
      if (lag !== undefined) link.lagSeconds = lag;
      return link;
    });
  const masterOffset = number(field('master_repl_offset'));
  return { role, ...(masterOffset !== undefined && { masterOffset }), replicas };
}

/** `ROLE` on a master: `[master, offset, [[ip, port, offset], ...]]`; on others only the role. */
export function parseRoleReplication(reply: unknown): ReplicationView | null {
  const role = parseRoleReply(reply);
  if (!role || !Array.isArray(reply)) return null;
  if (role !== 'master') return { role, replicas: [] };
  const masterOffset = number(text(reply[1]));
  const replicas = (Array.isArray(reply[2]) ? reply[2] : []).filter(Array.isArray).map((entry: unknown[]) => {
    const link: ReplicaLink = { address: `${text(entry[0])}:${text(entry[1])}` };
    const offset = number(text(entry[2]));
    if (offset !== undefined) link.offset = offset;
    return link;
  });
  return { role, ...(masterOffset !== undefined && { masterOffset }), replicas };
}
