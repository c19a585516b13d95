import { validateOptions } from '../../../lib/options/validate-options.js';
import { SentinelConnections } from '../../../lib/sentinel/sentinel-connection.js';
import { SentinelMasterPoller } from '../../../lib/sentinel/sentinel-master.poller.js';
import { appConnection } from '../../../scripts/topology/app-connection.js';
import { startTopology, type Topology } from '../../../scripts/topology/topology.js';

describe('SentinelMasterPoller against real sentinels (the seed ACLs verbatim)', () => {
  let topology: Topology;
  let connections: SentinelConnections;
  let poller: SentinelMasterPoller;

  beforeAll(async () => {
    topology = await startTopology({ acl: 'seed', downAfterMs: 1_000, failoverTimeoutMs: 4_000 });
    const options = validateOptions(appConnection(topology));
    connections = new SentinelConnections(options, options.sentinelCommandTimeout, 'poller');
    poller = new SentinelMasterPoller(options, connections);
  }, 60_000);

  afterAll(async () => {
    poller?.close();
    connections?.close();
    await topology?.stop();
  });

  it('asks every sentinel: master, config epoch, replicas that are up', async () => {
    const master = await topology.currentMaster();
    const round = await poller.poll({ replicas: true });
    expect(round.asked).toBe(3);
    expect(round.denied).toEqual([]);
    expect(round.views).toHaveLength(3);
    for (const view of round.views) {
      expect(view.address).toEqual(master);
      expect(view.epoch).toBe(0);
      expect(view.failingOver).toBe(false);
      expect(view.replicas?.map((replica) => replica.port).sort()).toEqual(topology.dataNodes.slice(1).map((node) => node.port).sort());
    }
  });

  it('sees the leader fail over and the new epoch, and answers a majority quickly when a sentinel is dead', async () => {
    const seen: Array<{ failing: boolean; epoch: number; port: number }> = [];
    poller.on('round', (round) => {
      for (const view of round.views) seen.push({ failing: view.failingOver, epoch: view.epoch, port: view.address.port });
    });
    poller.setInterval(20);
    const { to } = await topology.failover();
    // Until a sentinel that finished the switch is seen (the leader may still be reconfiguring replicas).
    for (let i = 0; i < 100 && !seen.some((view) => view.epoch === 1 && view.port === to.port && !view.failing); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    poller.setInterval(0);
    expect(seen.some((view) => view.failing)).toBe(true);
    expect(seen.some((view) => view.epoch === 1 && view.port === to.port && !view.failing)).toBe(true);
    await topology.sentinels[2]!.kill('SIGKILL');
    const started = Date.now();
    const round = await poller.poll({ majority: true });
    expect(round.views.length).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(300);
  }, 60_000);
});
