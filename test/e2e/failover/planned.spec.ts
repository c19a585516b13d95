/**
 * Planned switchover (`SENTINEL FAILOVER primary`) under load, through two sample app instances sharing
 * real redis-server/sentinel processes (and two more with the failover mechanisms off, reported beside),
 * with the corrected ACLs (the seed's verbatim ACLs: seed-acl.spec.ts). Prints a table of the figures.
 */
import { useHarness } from './helpers/harness.js';
import { printTable } from './helpers/report-table.js';
import { plannedFailover } from './helpers/faults.js';
import { expectBounds, plannedBoundFailures, runFaultScenario, type ScenarioResult } from './helpers/scenario.js';

const TOPOLOGY = { downAfterMs: 1_000, failoverTimeoutMs: 4_000 } as const;
const results: ScenarioResult[] = [];

afterAll(() => printTable('Planned failover (SENTINEL FAILOVER) under load', results));

describe('planned failover, corrected ACLs', () => {
  const harness = useHarness({ acl: 'fixed', ...TOPOLOGY });

  it('starts without any ACL warning', () => {
    expect(harness().logger.warnings().filter((line) => /ACL gap/.test(line))).toEqual([]);
  });

  it('keeps answering through SENTINEL FAILOVER: no 5xx, no stale read on either instance, no acknowledged write lost, bounded lag', async () => {
    const details = await runFaultScenario(harness(), plannedFailover('1 planned SENTINEL FAILOVER'));
    expectBounds(results, details, plannedBoundFailures(details.result));
  }, 150_000);
});
