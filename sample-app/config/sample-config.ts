import type { NatMap, RedisSentinelCacheModuleOptions, SentinelAddress } from '../../lib/index.js';

/** Parses `host:port,host:port` (REDIS_SENTINELS) into sentinel addresses. */
export function parseSentinels(value: string): SentinelAddress[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(':');
      if (at <= 0) throw new Error(`REDIS_SENTINELS: "${entry}" is not host:port`);
      return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
    });
}

/**
 * Parses REDIS_NAT_MAP, `announced-ip:port=reachable-host:port,...`: the addresses the sentinels
 * announce mapped to addresses this process can reach (e.g. an app on the host in front of the
 * docker compose network; see docs/docker.md).
 */
export function parseNatMap(value: string | undefined): NatMap | undefined {
  if (!value?.trim()) return undefined;
  const map: Record<string, { host: string; port: number }> = {};
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [from, to] = entry.split('=');
    const at = to?.lastIndexOf(':') ?? -1;
    if (!from || !to || at <= 0) throw new Error(`REDIS_NAT_MAP: "${entry}" is not announced-ip:port=host:port`);
    map[from] = { host: to.slice(0, at), port: Number(to.slice(at + 1)) };
  }
  return map;
}

/**
 * The sample app's cache options from the environment:
 * - REDIS_SENTINELS `host:port,...` (required here), REDIS_MASTER_NAME (default "primary");
 * - REDIS_USERNAME / REDIS_PASSWORD: the ACL user on the master (and replicas);
 * - REDIS_SENTINEL_USERNAME / REDIS_SENTINEL_PASSWORD: the ACL user on the sentinels;
 * - CACHE_NAMESPACE (default "sample"), CACHE_TTL_MS (default 60000), REDIS_NAT_MAP (optional).
 */
export function cacheOptionsFromEnv(env: NodeJS.ProcessEnv): RedisSentinelCacheModuleOptions {
  const sentinels = parseSentinels(env.REDIS_SENTINELS ?? '');
  if (sentinels.length === 0) throw new Error('REDIS_SENTINELS is empty: set it to host:port,host:port,...');
  return {
    sentinels,
    name: env.REDIS_MASTER_NAME || 'primary',
    username: env.REDIS_USERNAME || undefined,
    password: env.REDIS_PASSWORD || undefined,
    sentinelUsername: env.REDIS_SENTINEL_USERNAME || undefined,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD || undefined,
    namespace: env.CACHE_NAMESPACE || 'sample',
    ttl: env.CACHE_TTL_MS ? Number(env.CACHE_TTL_MS) : 60_000,
    natMap: parseNatMap(env.REDIS_NAT_MAP),
  };
}
