import { type NodeAddress, splitAddress } from '../client/node-address.js';

/** The Sentinel Pub/Sub channels that announce a failover, in the order a failover publishes them. */
export const FENCE_CHANNELS = ['+selected-slave', '+failover-state-send-slaveof-noone'] as const;
export const SWITCH_CHANNEL = '+switch-master';
export const ABORT_CHANNELS = [
  '-failover-abort-not-elected',
  '-failover-abort-no-good-slave',
  '-failover-abort-slave-timeout',
] as const;
export const SENTINEL_CHANNELS: readonly string[] = [SWITCH_CHANNEL, ...FENCE_CHANNELS, ...ABORT_CHANNELS];

export type SentinelEvent =
  /** A replica was chosen and is about to be promoted: writes to the old master may be lost from now on. */
  | { kind: 'promoting'; name: string; replica: NodeAddress }
  /** The sentinel now names `to` as the master of `name`. */
  | { kind: 'switch'; name: string; from: NodeAddress; to: NodeAddress }
  /** This sentinel gave up its failover attempt of `name` (another sentinel's attempt may go on). */
  | { kind: 'abort'; name: string; reason: string };

function address(host: string | undefined, port: string | undefined): NodeAddress | null {
  return host && port ? splitAddress(`${host}:${port}`) : null;
}

/**
 * Parses one Sentinel event message. Formats (sentinel.c, `sentinelEvent` with `%@`):
 * - `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>`
 * - `+selected-slave slave <ip>:<port> <ip> <port> @ <name> <master-ip> <master-port>`
 * - `-failover-abort-* master <name> <ip> <port>`
 * Returns null for anything else, so a format change degrades to "not fenced", never to a crash.
 */
export function parseSentinelEvent(channel: string, message: string): SentinelEvent | null {
  const words = message.trim().split(/\s+/);
  if (channel === SWITCH_CHANNEL) {
    const [name, fromHost, fromPort, toHost, toPort] = words;
    const from = address(fromHost, fromPort);
    const to = address(toHost, toPort);
    return name && from && to ? { kind: 'switch', name, from, to } : null;
  }
  if ((FENCE_CHANNELS as readonly string[]).includes(channel)) {
    const at = words.indexOf('@');
    const replica = address(words[2], words[3]);
    const name = at > 0 ? words[at + 1] : undefined;
    return words[0] === 'slave' && name && replica ? { kind: 'promoting', name, replica } : null;
  }
  if ((ABORT_CHANNELS as readonly string[]).includes(channel)) {
    const [type, name] = words;
    return type === 'master' && name ? { kind: 'abort', name, reason: channel.slice(1) } : null;
  }
  return null;
}
