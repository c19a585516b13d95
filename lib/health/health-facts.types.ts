import type { NodeView } from '../sentinel/sentinel-replies.parser.js';

export type { NodeView };

/** What one check collected; the verdict (health-verdict.ts) is a pure function of it. */

/** The app's own client and the node it is connected to. */
export interface NodeFacts {
  /** ioredis status when the check started (`ready`, `connecting`, `reconnecting`, `end`, ...). */
  status: string;
  /** Peer of the client's socket (`ip:port`), when ready. */
  connectedTo: string | null;
  ping:
    | { kind: 'ok'; latencyMs: number }
    | { kind: 'timeout' }
    | { kind: 'error'; message: string }
    | { kind: 'skipped' };
  role:
    | { kind: 'ok'; role: string; via: 'INFO' | 'ROLE'; onlineReplicas?: number }
    /** The ACL user may run neither INFO nor ROLE. */
    | { kind: 'denied' }
    | { kind: 'timeout' }
    | { kind: 'error'; message: string }
    | { kind: 'skipped' };
}

export type SentinelView =
  | {
      sentinel: string;
      kind: 'ok';
      /** `ip:port` it names for the master group, or null when it does not monitor that name. */
      master: string | null;
      /** From SENTINEL MASTER, when allowed. */
      masterState?: NodeView & { quorum?: number; otherSentinels?: number };
      /** From SENTINEL REPLICAS, when allowed. */
      replicas?: NodeView[];
      /** Sub-commands the ACL refused (e.g. `SENTINEL MASTER`). */
      denied: string[];
    }
  | { sentinel: string; kind: 'timeout' | 'unreachable' | 'auth' | 'denied'; message: string };

export interface HealthFacts {
  /** The master group name. */
  name: string;
  /** The check's bound, for messages. */
  timeoutMs: number;
  node: NodeFacts;
  /** One entry per configured sentinel, in order. */
  sentinels: SentinelView[];
  /** The module's write fence is up: a failover was announced and the client has not reached the new master yet. */
  failoverInProgress: boolean;
  /** ACL user names, for wording what to grant (never passwords). */
  username?: string;
  sentinelUsername?: string;
}

/** True when an announced address (`ip:port` from a sentinel) is the node at `connected` (a socket peer). */
export type SameNode = (announced: string, connected: string) => boolean;
