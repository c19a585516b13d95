/**
 * Unplanned failovers under load, through the sample app over real redis-server/sentinel processes
 * (corrected ACLs, down-after 1 s): the master killed (kill -9), the master hung (SIGSTOP longer than
 * down-after, then SIGCONT: it comes back as a replica), and one sentinel killed before the master
 * (quorum 2 of 3 still elects). One topology, the scenarios in a row; each restores it and waits for
 * a stable topology. Prints a table of the figures.
 */
import type { RedisNode } from '../../../scripts/topology/topology.js';
import { killMaster } from './helpers/faults.js';
import { masterNode, useHarness } from './helpers/harness.js';
import { printTable } from './helpers/report-table.js';
import { expectBounds, runFaultScenario, type ScenarioDetails, type ScenarioResult, unplannedBoundFailures } from './helpers/scenario.js';

const DOWN_AFTER_MS = 1_000;
/** Also the delay before a sentinel retries an election it lost (2 x failover-timeout): keep it short. */
const FAILOVER_TIMEOUT_MS = 2_000;
const results: ScenarioResult[] = [];

const harness = useHarness({ acl: 'fixed', downAfterMs: DOWN_AFTER_MS, failoverTimeoutMs: FAILOVER_TIMEOUT_MS });

afterAll(() => printTable('Unplanned failovers under load', results));

function expectUnplannedBounds(details: ScenarioDetails): void {
  expectBounds(results, details, unplannedBoundFailures(details.result, { downAfterMs: DOWN_AFTER_MS, failoverTimeoutMs: FAILOVER_TIMEOUT_MS }));
}

it('2. kill -9 of the master', async () => {
  expectUnplannedBounds(await runFaultScenario(harness(), killMaster('2 kill -9 master')));
}, 150_000);

it('3. SIGSTOP of the master for longer than down-after, then SIGCONT: it returns as a replica', async () => {
  let paused: RedisNode | undefined;
  const details = await runFaultScenario(harness(), {
    scenario: '3 SIGSTOP master, SIGCONT',
    expectSwitch: true,
    inject: async ({ topology: t, recorder }) => {
      paused = await masterNode(t);
      const since = Date.now();
      paused.pause();
      try {
        // Hung well past down-after: until the sentinels have switched (bounded), plus a little.
        await recorder.waitFor('+switch-master', since, 15_000);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      } finally {
        paused.resume();
      }
    },
  });
  expectUnplannedBounds(details);
  // It came back as a replica of the new master.
  const role = (await harness().topology.adminCommand(paused!, 'ROLE')) as unknown[];
  expect(role[0]).toBe('slave');
}, 150_000);

it('4. one sentinel killed, then the master killed: quorum 2 of 3 still elects', async () => {
  let sentinel: RedisNode | undefined;
  let killed: RedisNode | undefined;
  const details = await runFaultScenario(harness(), {
    scenario: '4 1 sentinel down + kill -9 master',
    expectSwitch: true,
    inject: async ({ topology: t }) => {
      // The first sentinel of the app's list: the one ioredis asks first.
      sentinel = t.sentinels[0]!;
      await sentinel.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      killed = await masterNode(t);
      await killed.kill('SIGKILL');
    },
    restore: async () => {
      await sentinel?.restart();
      await killed?.restart();
    },
  });
  expectUnplannedBounds(details);
}, 150_000);
