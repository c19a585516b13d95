/** Emitted once per failover the client followed. */
export interface FailoverRecord {
  name: string;
  from: string;
  to: string;
  /** What told the module first: a sentinel's `+switch-master`, a poll of the sentinels, or a reconnect. */
  detectedBy: 'sentinel-event' | 'poll';
  /** ms from learning of the new master to the client being ready on it. */
  reconnectMs: number;
  /** ms writes were held (from the first sign of the failover), and how many had to wait. */
  fencedMs: number;
  heldWrites: number;
}
