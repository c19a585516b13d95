import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NatMap } from '../interfaces/redis-sentinel-cache-options.interface.js';
import { applyNatMap, type NodeAddress, normalizeHost, socketPeer, splitAddress as parseAddress } from '../client/node-address.js';
import { bounded } from './bounded-call.js';
import type { SameNode } from './health-facts.types.js';

/** Compares an address announced by a sentinel with the peer of the client's socket. */

export { normalizeHost, socketPeer };

/** `host:port` with the host normalised (for comparing with a socket peer), or null. */
export function splitAddress(address: string): NodeAddress | null {
  const parsed = parseAddress(address);
  return parsed ? { host: normalizeHost(parsed.host), port: parsed.port } : null;
}

/** Where the client actually connects for an announced address (the user's natMap applied), host normalised. */
export function translate(natMap: NatMap | undefined, announced: string): NodeAddress | null {
  const parsed = parseAddress(announced);
  if (!parsed) return null;
  const target = applyNatMap(natMap, parsed);
  return { host: normalizeHost(target.host), port: target.port };
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
