import type { Address } from './topology.js';

/** What a client needs to reach a topology as the app user: ioredis's and the module's option names. */
export interface AppConnection {
  sentinels: Address[];
  name: string;
  username: string;
  password: string;
  sentinelUsername: string;
  sentinelPassword: string;
}

/**
 * The connection settings of the seed's app user `default`, on the data nodes and on the sentinels,
 * for a topology (or anything shaped like one). Usable as ioredis options and as module options.
 */
export function appConnection(topology: { sentinelAddresses: readonly Address[]; masterName: string; password: string }): AppConnection {
  return {
    sentinels: topology.sentinelAddresses.map((address) => ({ ...address })),
    name: topology.masterName,
    username: 'default',
    password: topology.password,
    sentinelUsername: 'default',
    sentinelPassword: topology.password,
  };
}
