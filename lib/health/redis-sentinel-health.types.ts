/** Options of {@link RedisSentinelHealthIndicator.isHealthy}. Durations in milliseconds. */
export interface RedisSentinelHealthCheckOptions {
  /**
   * Bound on the whole check: the PING, the role query and every sentinel question end by then, and a
   * PING that has not answered by then makes the check `down`. @default 1000
   */
  timeout?: number;
  /**
   * Bound on each sentinel's answer (connect included), capped by `timeout`, so one unreachable
   * sentinel does not make every check last `timeout`. @default the module's `sentinelCommandTimeout` (500)
   */
  sentinelTimeout?: number;
  /**
   * Status reported when Redis serves but something around it is impaired (sentinels unreachable,
   * below quorum or disagreeing, a failover in progress): `'up'` with `degraded: true` and `warnings`,
   * or Terminus 12's `'degraded'` (overall status "degraded", still HTTP 200; Terminus 11 has no such
   * status: there it reports `'up'` and warns once). @default 'up'
   */
  degradedStatus?: 'up' | 'degraded';
}

/** Why the indicator is `down` (the `reason` field; `message` says it in words). */
export type RedisSentinelDownReason =
  /** The app's client is not connected (connecting, reconnecting, closed). */
  | 'client-not-ready'
  /** The node the client is connected to is not the master the sentinels name: a failover was not followed. */
  | 'stale-master'
  /** The node the client is connected to reports role `slave` (or the sentinels list it as a replica). */
  | 'connected-to-replica'
  /** PING through the app's client did not answer within the timeout. */
  | 'ping-timeout'
  /** PING through the app's client failed with an error. */
  | 'ping-failed'
  /** Sentinels answer but none monitors the configured master name. */
  | 'master-unknown'
  /** No sentinel answers and the node itself cannot confirm it is the master. */
  | 'master-unconfirmed'
  /** The check itself failed unexpectedly (a bug): reported, never thrown. */
  | 'check-failed';

/** The sentinels as the app sees them. */
export type RedisSentinelsSummary = {
  /** Sentinels that answered `SENTINEL get-master-addr-by-name` within the bound. */
  reachable: number;
  /** Sentinels configured in the module's `sentinels` option. */
  total: number;
  /** True when at least one sentinel answered and every answering sentinel names the same master. */
  agree: boolean;
  /** The master group's quorum, when `SENTINEL MASTER` is allowed. */
  quorum?: number;
  /** Only when some sentinel is unreachable or they disagree: per sentinel, the master it names or why it did not answer. */
  answers?: Record<string, string>;
};

/** The data of the indicator's entry (besides `status`). */
export type RedisSentinelHealthDetails = {
  /** `host:port` of the master the sentinels name (as they announce it), or null when none does. */
  master: string | null;
  /** `host:port` of the node the app's client is connected to (the socket's peer), or null when not connected. */
  connectedTo: string | null;
  /** Role of `connectedTo`: `master`, `slave`, or `unknown`. */
  role: string;
  /** Where `role` comes from: the node itself (INFO/ROLE), the sentinels' view, or nowhere. */
  roleSource: 'node' | 'sentinels' | null;
  /** Round trip of a PING through the app's own client, in ms (0.1 ms resolution), or null. */
  latencyMs: number | null;
  sentinels: RedisSentinelsSummary;
  /** Replicas of the master in a healthy state, per the sentinels (or the master's INFO), or null. */
  replicas: number | null;
  /** Only when down. */
  reason?: RedisSentinelDownReason;
  /** Only when down: what is wrong and what it means for the app, for an operator. */
  message?: string;
  /** Only when up but impaired (see `warnings`). */
  degraded?: true;
  /** Impairments that do not stop the app from serving (sentinel outage, disagreement, failover in progress). */
  warnings?: string[];
  /** What could not be checked, and why (usually a missing ACL permission), with the rule to add. */
  unchecked?: string[];
};
