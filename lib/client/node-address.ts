import type { NatMap } from '../interfaces/redis-sentinel-cache-options.interface.js';

/** A Redis node's address: as a sentinel announces it, or where this process connects. */
export interface NodeAddress {
  host: string;
  port: number;
}

/** `host:port`, the form sentinels announce and `natMap` keys use. */
export function formatAddress(address: NodeAddress): string {
  return `${address.host}:${address.port}`;
}

/** Lower-case, brackets and the IPv4-mapped IPv6 prefix removed: how two spellings of one host compare. */
export function normalizeHost(host: string): string {
  return host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** Parses `host:port` (the last colon splits, so IPv6 hosts work), host kept as written; null when it is not one. */
export function splitAddress(address: string): NodeAddress | null {
  const at = address.lastIndexOf(':');
  if (at <= 0) return null;
  const port = Number(address.slice(at + 1));
  return Number.isInteger(port) && port > 0 && port <= 65_535 ? { host: address.slice(0, at), port } : null;
}

/** Same node as announced: host compared after {@link normalizeHost} (no DNS), port equal. */
export function sameAddress(a: NodeAddress | undefined, b: NodeAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.port === b.port && normalizeHost(a.host) === normalizeHost(b.host);
}

/** `ip:port` of a socket's peer, or null for a socket without one. */
export function socketPeer(stream: { remoteAddress?: string; remotePort?: number } | undefined | null): string | null {
  if (!stream?.remoteAddress || !stream.remotePort) return null;
  return `${normalizeHost(stream.remoteAddress)}:${stream.remotePort}`;
}

/**
 * Where this process connects for an announced address: the user's `natMap` entry if there is one,
 * else the address itself. Always a fresh `{ host, port }` object: ioredis and node:tls write into the
 * object they are given (TLS options included), and that must never be the user's map or our records.
 */
export function applyNatMap(natMap: NatMap | undefined, announced: NodeAddress): NodeAddress {
  const key = formatAddress(announced);
  const mapped = natMap ? (typeof natMap === 'function' ? natMap(key) : natMap[key]) : undefined;
  return mapped ? { host: mapped.host, port: mapped.port } : { host: announced.host, port: announced.port };
}
