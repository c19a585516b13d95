import type { RedisNode } from '../../../../scripts/topology/topology.js';
import { masterNode } from './harness.js';
import type { FaultSpec } from './scenario.js';

/** `SENTINEL FAILOVER` (through sentinel `via`, default the first live one), waited for. */
export function plannedFailover(scenario: string, options: { acl?: FaultSpec['acl']; via?: number } = {}): FaultSpec {
  return {
    scenario,
    acl: options.acl,
    expectSwitch: true,
    inject: async ({ topology }) => {
      await topology.failover(30_000, options.via);
    },
  };
}

/** `kill -9` of the master; restarted (empty, it comes back as a replica) after the load. */
export function killMaster(scenario: string, options: { acl?: FaultSpec['acl'] } = {}): FaultSpec {
  let killed: RedisNode | undefined;
  return {
    scenario,
    acl: options.acl,
    expectSwitch: true,
    inject: async ({ topology }) => {
      killed = await masterNode(topology);
      await killed.kill('SIGKILL');
    },
    restore: async () => {
      await killed?.restart();
    },
  };
}
