/**
 * The edges of issue #9, corrected ACLs, two sample app instances sharing the topology (and two with the
 * failover mechanisms off, reported beside), under load:
 * 7. kill -9 of a master whose replicas were cut off (SIGSTOP) for its last 300 ms: it acknowledged
 *    writes that never replicated;
 * 8. a failover aborted midway (the selected replica hung until Sentinel gives up): no switch;
 * 9. two planned failovers 3 s apart, through different sentinels;
 * 10. SENTINEL FAILOVER sent to each sentinel in turn: the switch lag bound holds whichever leads
 *     (its p95 over many failovers: the bench);
 * 11. an outage of one instance's links (a stalled proxy) during which its writes fail open while the
 *     other instance writes the same keys; the stalled bytes reach Redis when the link heals.
 * Prints a table of the figures.
 */
import type { RedisSentinelCacheModuleOptions } from '../../../lib/index.js';
import type { RedisNode, Topology } from '../../../scripts/topology/topology.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { masterNode, useHarness } from './helpers/harness.js';
import { printTable } from './helpers/report-table.js';
import { expectBounds, boundFailures, plannedBoundFailures, runFaultScenario, type ScenarioResult, unplannedBoundFailures } from './helpers/scenario.js';
import { plannedFailover } from './helpers/faults.js';

const TOPOLOGY = { acl: 'fixed', downAfterMs: 1_000, failoverTimeoutMs: 2_000 } as const;
const results: ScenarioResult[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(() => printTable('Edges: lagging replicas, an aborted failover, back-to-back failovers, each sentinel leading, a partitioned instance', results));

/** `SENTINEL FAILOVER` through sentinel `via` without waiting for the outcome (retried while the replicas are not yet eligible). */
async function startFailover(t: Topology, via: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await t.adminCommand(t.sentinels[via]!, 'SENTINEL', 'FAILOVER', t.masterName);
      return;
    } catch (error) {
      if (!/NOGOODSLAVE|INPROG/.test(String(error)) || Date.now() >= deadline) throw error;
      await sleep(250);
    }
  }
}

describe('failovers', () => {
  const harness = useHarness(TOPOLOGY);

  it('7. kill -9 of a master whose replicas lagged for its last 300 ms: writes it acknowledged alone are never served', async () => {
    let killed: RedisNode | undefined;
    const details = await runFaultScenario(harness(), {
      scenario: '7 replicas cut off 300 ms, kill -9 master',
      expectSwitch: true,
      inject: async ({ topology: t }) => {
        killed = await masterNode(t);
        const replicas = t.dataNodes.filter((node) => node !== killed && node.alive());
        // Hung replicas alone would still get the stream later (it waits in their sockets' buffers):
        // the master also drops their links, so what it acknowledges from here on never replicates.
        for (const replica of replicas) replica.pause();
        try {
          await t.adminCommand(killed, 'CLIENT', 'KILL', 'TYPE', 'replica');
          await sleep(300);
          await killed.kill('SIGKILL');
        } finally {
          for (const replica of replicas) replica.resume();
        }
      },
      restore: async () => {
        await killed?.restart();
      },
    });
    expectBounds(results, details, unplannedBoundFailures(details.result, TOPOLOGY));
  }, 150_000);

  it('9. two planned failovers 3 s apart, through different sentinels', async () => {
    const details = await runFaultScenario(harness(), {
      scenario: '9 two planned failovers 3 s apart',
      expectSwitch: true,
      inject: async ({ topology: t }) => {
        const first = Date.now();
        await t.failover(30_000, 0);
        await sleep(Math.max(0, first + 3_000 - Date.now()));
        await t.failover(30_000, 1);
      },
    });
    const failures = plannedBoundFailures(details.result);
    if (details.result.switches !== 2) failures.push(`${details.result.switches} +switch-master announcements (want 2)`);
    expectBounds(results, details, failures);
  }, 180_000);

  it.each([0, 1, 2])('10. SENTINEL FAILOVER sent to sentinel %i: the lag bound holds whichever sentinel leads', async (via) => {
    const details = await runFaultScenario(harness(), plannedFailover(`10 SENTINEL FAILOVER via sentinel ${via}`, { via }));
    expectBounds(results, details, plannedBoundFailures(details.result));
  }, 150_000);
});

// Its own topology: the hung replica applies the promotion when it resumes and Sentinel turns it back
// into a replica with a full resync, which would slow the next scenarios' failovers.
describe('an aborted failover', () => {
  const harness = useHarness(TOPOLOGY);

  it('8. a failover aborted midway (the selected replica hung): no switch, writes go on to the master, nothing stale', async () => {
    let hung: RedisNode | undefined;
    let aborted: string | undefined;
    const details = await runFaultScenario(harness(), {
      scenario: '8 failover aborted midway',
      expectSwitch: false,
      maxLoadMs: 15_000,
      inject: async (h) => {
        const since = Date.now();
        await startFailover(h.topology, 0);
        const selected = await h.recorder.waitFor('+selected-slave', since, 10_000);
        if (!selected) throw new Error(`no +selected-slave after SENTINEL FAILOVER:\n${h.recorder.timeline(since)}`);
        const [, , host, port] = selected.message.trim().split(/\s+/);
        hung = h.topology.nodeAt({ host: host!, port: Number(port) });
        hung.pause();
        try {
          const abort = await h.recorder.waitFor('-failover-abort-slave-timeout', since, 4 * TOPOLOGY.failoverTimeoutMs);
          aborted = abort?.channel;
        } finally {
          hung.resume();
        }
      },
    });
    const failures = boundFailures(details.result, { faultToFirstWriteMs: 1_000 }, { expectSwitch: false });
    if (!aborted) failures.push('Sentinel did not abort the failover (no -failover-abort-slave-timeout)');
    if (details.result.switches !== 0) failures.push(`the master changed (${details.result.switches} +switch-master)`);
    expectBounds(results, details, failures);
  }, 150_000);
});

describe('an instance partitioned from Redis', () => {
  const proxies: TcpProxy[] = [];
  // The first instance reaches every data node through a proxy (natMap); the others directly.
  const harness = useHarness(TOPOLOGY, async (topology) => {
    const natMap: Record<string, { host: string; port: number }> = {};
    for (const node of topology.dataNodes) {
      const proxy = await TcpProxy.start(node.address);
      proxies.push(proxy);
      natMap[`${node.address.host}:${node.address.port}`] = { host: '127.0.0.1', port: proxy.port };
    }
    return { firstInstance: { natMap } satisfies Partial<RedisSentinelCacheModuleOptions> };
  });
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it('11. its writes fail open for 3 s while the other instance writes the same keys; its stalled writes land late and are invalidated', async () => {
    const details = await runFaultScenario(harness(), {
      scenario: '11 one instance partitioned 3 s',
      expectSwitch: false,
      inject: async () => {
        for (const proxy of proxies) proxy.stall();
        await sleep(3_000);
        for (const proxy of proxies) proxy.resume();
      },
    });
    const failures = boundFailures(details.result, { faultToFirstWriteMs: 1_000 }, { expectSwitch: false });
    if (details.result.versioned!.failed === 0) failures.push('no write of the partitioned instance failed: the partition did not happen');
    expectBounds(results, details, failures);
  }, 150_000);
});
