/**
 * The seed's ACLs verbatim (`../shared/seeds/`: the sentinels' app user may not SUBSCRIBE, the data
 * nodes' app user may not run INFO), two sample app instances sharing the topology (and two with the
 * failover mechanisms off, reported beside): a planned failover and a kill -9 of the master meet the
 * same bounds as with the corrected ACLs. Prints a table of the figures.
 */
import { jest } from '@jest/globals';
import { killMaster, plannedFailover } from './helpers/faults.js';
import { useHarness } from './helpers/harness.js';
import { printTable } from './helpers/report-table.js';
import { expectBounds, plannedBoundFailures, runFaultScenario, type ScenarioResult, unplannedBoundFailures } from './helpers/scenario.js';

const TOPOLOGY = { acl: 'seed', downAfterMs: 1_000, failoverTimeoutMs: 2_000 } as const;
const results: ScenarioResult[] = [];

afterAll(() => printTable("Failovers under the seed's ACLs verbatim, two instances", results));

// Installed before the harness starts the apps: ioredis writes some warnings to the console, past the module's logger.
const consoleWarn = jest.spyOn(console, 'warn');
afterAll(() => consoleWarn.mockRestore());

const harness = useHarness(TOPOLOGY);

it('nothing reaches the console past the module logger (ioredis ready check: INFO is refused)', () => {
  expect(consoleWarn.mock.calls.map((args) => args.map(String).join(' '))).toEqual([]);
});

it('warns once at start-up that the sentinels user may not subscribe (missing "+subscribe"), without the password', () => {
  const warnings = harness().logger.warnings();
  expect(warnings.filter((line) => /may not subscribe to \+switch-master \(missing "\+subscribe"\)/.test(line))).toHaveLength(1);
  expect(harness().logger.text()).not.toContain(harness().topology.password);
});

it('planned failover: the replica watch fences at the promotion, the poll finds the switch; every bound holds', async () => {
  const details = await runFaultScenario(harness(), plannedFailover('seed: planned SENTINEL FAILOVER', { acl: 'seed' }));
  expectBounds(results, details, plannedBoundFailures(details.result));
}, 150_000);

it('kill -9 of the master: every bound holds', async () => {
  const details = await runFaultScenario(harness(), killMaster('seed: kill -9 master', { acl: 'seed' }));
  expectBounds(results, details, unplannedBoundFailures(details.result, TOPOLOGY));
}, 150_000);
