import { InvalidOptionError } from '../errors/redis-sentinel-cache.errors.js';

/** Parsers of the text forms of options (environment variables and flags), as the sample app reads them. */

/** `host:port` (`[v6]:port` too); a missing or non-numeric port is left for validateOptions to name. */
export function parseAddress(entry: string): { host: string; port: unknown } {
  const at = entry.lastIndexOf(':');
  if (at <= 0) return { host: entry, port: undefined };
  const host = entry.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = entry.slice(at + 1);
  return { host, port: /^\d+$/.test(port) ? Number(port) : port };
}

/** `host:port,host:port` (REDIS_SENTINELS, `--sentinels`). */
export function parseAddressList(value: string): Array<{ host: string; port: unknown }> {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(parseAddress);
}

/**
 * `announced-ip:port=reachable-host:port,...` (REDIS_NAT_MAP, `--nat-map`): the addresses the
 * sentinels announce mapped to addresses this process can reach.
 */
export function parseNatMapText(value: string, source: string): Record<string, { host: string; port: number }> {
  const map: Record<string, { host: string; port: number }> = {};
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [from, to, extra] = entry.split('=');
    const target = to === undefined ? undefined : parseAddress(to);
    if (!from || !target || typeof target.port !== 'number' || extra !== undefined) {
      throw new InvalidOptionError('natMap', `"${entry}" in ${source} is not announced-ip:port=host:port`);
    }
    map[from] = { host: target.host, port: target.port };
  }
  return map;
}

/** An integer option given as text: a number when it is one, else the text (validateOptions names it). */
export function integerText(value: string): number | string {
  return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}
