import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NatMap } from '../interfaces/redis-sentinel-cache-options.interface.js';
import { bounded } from './bounded-call.js';
import type { SameNode } from './health-facts.types.js';

/** Compares an address announced by a sentinel with the peer of the client's socket. */

/** `ip:port` (IPv4-mapped IPv6 peers as plain IPv4), or null for a socket without a peer. */
export function socketPeer(stream: { remoteAddress?: string; remotePort?: number } | undefined | null): string | null {
  if (!stream?.remoteAddress || !stream.remotePort) return null;
  return `${normalizeHost(stream.remoteAddress)}:${stream.remotePort}`;
}

export function normalizeHost(host: string): string {
  return host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export function splitAddress(address: string): { host: string; port: number } | null {
  const at = address.lastIndexOf(':');
  if (at <= 0) return null;
  const port = Number(address.slice(at + 1));
  return Number.isInteger(port) && port > 0 ? { host: normalizeHost(address.slice(0, at)), port } : null;
}

/** Where the client actually connects for an announced address: the user's natMap applied, as ioredis does. */
export function translate(natMap: NatMap | undefined, announced: string): { host: string; port: number } | null {
  const mapped = natMap ? (typeof natMap === 'function' ? natMap(announced) : natMap[announced]) : null;
  if (mapped) return { host: normalizeHost(mapped.host), port: mapped.port };
  return splitAddress(announced);
}

/**
 * A {@link SameNode} for these announced addresses: natMap applied, host names resolved (bounded by
 * `ms`; a name that does not resolve in time is compared as text).
 */
export async function sameNodeMatcher(natMap: NatMap | undefined, announced: Iterable<string>, ms: number): Promise<SameNode> {
  const names = new Set<string>();
  for (const address of announced) {
    const target = translate(natMap, address);
    if (target && isIP(target.host) === 0) names.add(target.host);
  }
  const resolved = new Map<string, Set<string>>();
  if (names.size > 0 && ms > 0) {
    await Promise.all(
      [...names].map(async (name) => {
        const answer = await bounded(lookup(name, { all: true }), ms);
        if (answer.kind === 'ok') resolved.set(name, new Set(answer.value.map((entry) => normalizeHost(entry.address))));
      }),
    );
  }
  return (address, connected) => {
    const target = translate(natMap, address);
    const peer = splitAddress(connected);
    if (!target || !peer || target.port !== peer.port) return false;
    return target.host === peer.host || (resolved.get(target.host)?.has(peer.host) ?? false);
  };
}
