import type { HealthFacts, NodeFacts, SentinelView } from '../../../lib/health/health-facts.types.js';
import { judge } from '../../../lib/health/health-verdict.js';

const M = '127.0.0.1:16380';
const R1 = '127.0.0.1:16381';
const R2 = '127.0.0.1:16382';
const S = ['127.0.0.1:26379', '127.0.0.1:26380', '127.0.0.1:26381'];

function replica(address: string, extra: Partial<{ flags: string[]; linkOk: boolean; roleReported: string }> = {}) {
  return { address, flags: ['slave'], linkOk: true, roleReported: 'slave', ...extra };
}

function sentinel(index: number, master: string | null = M, extra: Partial<Extract<SentinelView, { kind: 'ok' }>> = {}): SentinelView {
  return {
    sentinel: S[index]!,
    kind: 'ok',
    master,
    masterState: master ? { address: master, flags: ['master'], roleReported: 'master', quorum: 2, otherSentinels: 2 } : undefined,
    replicas: [replica(R1), replica(R2)],
    denied: [],
    ...extra,
  };
}

function unreachable(index: number): SentinelView {
  return { sentinel: S[index]!, kind: 'unreachable', message: 'unreachable (connect ECONNREFUSED)' };
}

function node(overrides: Partial<NodeFacts> = {}): NodeFacts {
  return {
    status: 'ready',
    connectedTo: M,
    ping: { kind: 'ok', latencyMs: 0.4321 },
    role: { kind: 'ok', role: 'master', via: 'INFO', onlineReplicas: 2 },
    ...overrides,
  };
}

function facts(overrides: Partial<HealthFacts> = {}): HealthFacts {
  return {
    name: 'primary',
    timeoutMs: 1000,
    node: node(),
    sentinels: [sentinel(0), sentinel(1), sentinel(2)],
    failoverInProgress: false,
    username: 'default',
    sentinelUsername: 'default',
    ...overrides,
  };
}

describe('judge (health verdict)', () => {
  it('is up with the documented fields when everything agrees', () => {
    const { status, details } = judge(facts());
    expect(status).toBe('up');
    expect(details).toEqual({
      master: M,
      connectedTo: M,
      role: 'master',
      roleSource: 'node',
      latencyMs: 0.4,
      sentinels: { reachable: 3, total: 3, agree: true, quorum: 2 },
      replicas: 2,
    });
  });

  it('counts only healthy replicas (link ok, not down)', () => {
    const replicas = [replica(R1), replica(R2, { flags: ['slave', 's_down'] }), replica('127.0.0.1:16383', { linkOk: false })];
    const { details } = judge(facts({ sentinels: [sentinel(0, M, { replicas }), sentinel(1), sentinel(2)] }));
    expect(details.replicas).toBe(1);
  });

  it('is down "client-not-ready" when the client is reconnecting', () => {
    const { status, details } = judge(
      facts({ node: node({ status: 'reconnecting', connectedTo: null, ping: { kind: 'skipped' }, role: { kind: 'skipped' } }) }),
    );
    expect(status).toBe('down');
    expect(details.reason).toBe('client-not-ready');
    expect(details.message).toMatch(/not connected.*"reconnecting"/);
    expect(details.message).toContain(`name ${M}`);
    expect(details.latencyMs).toBeNull();
  });

  it('is down "stale-master" when connected to a node other than the one the sentinels name', () => {
    const sentinels = [0, 1, 2].map((i) => sentinel(i, R1, { replicas: [replica(M), replica(R2)] }));
    const { status, details } = judge(facts({ sentinels }));
    expect(status).toBe('down');
    expect(details.reason).toBe('stale-master');
    expect(details.master).toBe(R1);
    expect(details.connectedTo).toBe(M);
    expect(details.message).toMatch(/connected to 127\.0\.0\.1:16380 .*sentinels name 127\.0\.0\.1:16381.*stale.*READONLY/);
  });

  it('says the client is already switching when the failover coordinator follows the announcement', () => {
    const sentinels = [0, 1, 2].map((i) => sentinel(i, R1, { replicas: [replica(M), replica(R2)] }));
    const { status, details } = judge(facts({ sentinels, failoverInProgress: true }));
    expect(status).toBe('down');
    expect(details.reason).toBe('stale-master');
    expect(details.message).toMatch(/switching to the new master; cache writes are held/);
    expect(details.warnings).toEqual([expect.stringMatching(/in progress/)]);
  });

  it('is down "stale-master" under the seed ACL too, with the role from the sentinels', () => {
    const sentinels = [0, 1, 2].map((i) => sentinel(i, R1, { replicas: [replica(M), replica(R2)] }));
    const { details } = judge(facts({ sentinels, node: node({ role: { kind: 'denied' } }) }));
    expect(details.reason).toBe('stale-master');
    expect(details.role).toBe('slave');
    expect(details.roleSource).toBe('sentinels');
    expect(details.message).toMatch(/the sentinels list it as a replica/);
    expect(details.unchecked?.[0]).toMatch(/may not run INFO or ROLE.*\+info/);
  });

  it('takes the role from the sentinels that name the elected master, not from a stale minority', () => {
    const stale = sentinel(2, R1, { replicas: [replica(M), replica(R2)] });
    const { status, details } = judge(facts({ sentinels: [sentinel(0), sentinel(1), stale], node: node({ role: { kind: 'denied' } }) }));
    expect(status).toBe('up');
    expect(details).toMatchObject({ master: M, role: 'master', roleSource: 'sentinels' });
  });

  it('is down "connected-to-replica" when the node itself reports role slave', () => {
    const { status, details } = judge(facts({ node: node({ role: { kind: 'ok', role: 'slave', via: 'INFO' } }) }));
    expect(status).toBe('down');
    expect(details.reason).toBe('connected-to-replica');
    expect(details.message).toMatch(/reports role "slave".*READONLY/);
  });

  it('is down "ping-timeout" naming the bound', () => {
    const { status, details } = judge(facts({ node: node({ ping: { kind: 'timeout' }, role: { kind: 'timeout' } }) }));
    expect(status).toBe('down');
    expect(details.reason).toBe('ping-timeout');
    expect(details.message).toMatch(/did not answer within 1000 ms/);
    expect(details.latencyMs).toBeNull();
  });

  it('is down "ping-failed" with the server message', () => {
    const { details } = judge(facts({ node: node({ ping: { kind: 'error', message: 'LOADING Redis is loading' } }) }));
    expect(details.reason).toBe('ping-failed');
    expect(details.message).toContain('LOADING');
  });

  it('is down "master-unknown" when the sentinels do not monitor the name', () => {
    const sentinels = [0, 1, 2].map((i) => sentinel(i, null));
    const { status, details } = judge(facts({ sentinels }));
    expect(status).toBe('down');
    expect(details.reason).toBe('master-unknown');
    expect(details.message).toContain('"primary"');
  });

  describe('with no sentinel answering', () => {
    const none = [unreachable(0), unreachable(1), { sentinel: S[2]!, kind: 'timeout' as const, message: 'no answer within 500 ms' }];

    it('is down "master-unconfirmed" when the node may not tell its role (seed ACL)', () => {
      const { status, details } = judge(facts({ sentinels: none, node: node({ role: { kind: 'denied' } }) }));
      expect(status).toBe('down');
      expect(details.reason).toBe('master-unconfirmed');
      expect(details.message).toMatch(/No sentinel answers \(0 of 3\).*user "default" may not run INFO or ROLE/);
      expect(details.sentinels).toMatchObject({ reachable: 0, total: 3, agree: false });
      expect(details.sentinels.answers?.[S[2]!]).toBe('no answer within 500 ms');
      expect(details.role).toBe('unknown');
      expect(details.master).toBeNull();
    });

    it('is up, degraded, when the node confirms it is the master', () => {
      const { status, details } = judge(facts({ sentinels: none }));
      expect(status).toBe('up');
      expect(details.degraded).toBe(true);
      expect(details.master).toBeNull();
      expect(details.role).toBe('master');
      expect(details.replicas).toBe(2); // from the node's INFO
      expect(details.warnings?.[0]).toMatch(/No sentinel answers \(0 of 3; see sentinels.answers\).*neither failed over nor followed/);
    });
  });

  it('is up with a quorum warning when fewer sentinels answer than a failover needs', () => {
    const { status, details } = judge(facts({ sentinels: [unreachable(0), unreachable(1), sentinel(2)] }));
    expect(status).toBe('up');
    expect(details.degraded).toBe(true);
    expect(details.sentinels).toMatchObject({ reachable: 1, total: 3, agree: true, quorum: 2 });
    expect(details.sentinels.answers).toEqual({ [S[0]!]: 'unreachable (connect ECONNREFUSED)', [S[1]!]: 'unreachable (connect ECONNREFUSED)', [S[2]!]: M });
    expect(details.warnings?.[0]).toMatch(/2 of 3 sentinels do not answer \(127\.0\.0\.1:26379, 127\.0\.0\.1:26380; .*Fewer than the 2 needed.*not replaced/);
  });

  it('is up with a warning but no quorum alarm when one of three sentinels is down', () => {
    const { details } = judge(facts({ sentinels: [sentinel(0), unreachable(1), sentinel(2)] }));
    expect(details.degraded).toBe(true);
    expect(details.warnings).toHaveLength(1);
    expect(details.warnings?.[0]).not.toMatch(/needed/);
  });

  it('is up with a disagreement flag when the majority names the connected master', () => {
    const { status, details } = judge(facts({ sentinels: [sentinel(0), sentinel(1), sentinel(2, R1)] }));
    expect(status).toBe('up');
    expect(details.master).toBe(M);
    expect(details.sentinels.agree).toBe(false);
    expect(details.degraded).toBe(true);
    expect(details.warnings?.join(' ')).toMatch(/disagree/);
    expect(details.sentinels.answers?.[S[2]!]).toBe(R1);
  });

  it('breaks a tie in favour of the connected node', () => {
    const { status, details } = judge(facts({ sentinels: [sentinel(0, R1), sentinel(1), unreachable(2)] }));
    expect(status).toBe('up');
    expect(details.master).toBe(M);
  });

  it('reports a failover in progress (the write fence is up) as degraded, not down', () => {
    const { status, details } = judge(facts({ failoverInProgress: true }));
    expect(status).toBe('up');
    expect(details.warnings).toEqual([expect.stringMatching(/failover .* in progress/)]);
  });

  it('warns when the sentinels flag a failover of the master', () => {
    const state = { address: M, flags: ['master', 'failover_in_progress'], quorum: 2 };
    const { status, details } = judge(facts({ sentinels: [sentinel(0, M, { masterState: state }), sentinel(1), sentinel(2)] }));
    expect(status).toBe('up');
    expect(details.warnings).toEqual([expect.stringMatching(/sentinels are failing over "primary" \(flag failover_in_progress/)]);
  });

  it('warns when the sentinels flag the master as subjectively down', () => {
    const state = { address: M, flags: ['master', 's_down'], quorum: 2 };
    const { details } = judge(facts({ sentinels: [sentinel(0, M, { masterState: state }), sentinel(1), sentinel(2)] }));
    expect(details.warnings?.join(' ')).toMatch(/flag the master .* as down \(s_down\)/);
  });

  it('says what it could not check when sentinel sub-commands are denied', () => {
    const limited = (i: number) => sentinel(i, M, { masterState: undefined, replicas: undefined, denied: ['SENTINEL MASTER', 'SENTINEL REPLICAS'] });
    const { status, details } = judge(facts({ sentinels: [limited(0), limited(1), limited(2)], node: node({ role: { kind: 'denied' } }) }));
    expect(status).toBe('up');
    expect(details.role).toBe('master');
    expect(details.roleSource).toBe('sentinels');
    expect(details.replicas).toBeNull();
    expect(details.sentinels.quorum).toBeUndefined();
    expect(details.unchecked).toEqual([
      expect.stringMatching(/role on the node/),
      expect.stringMatching(/quorum .*\+sentinel\|master/),
      expect.stringMatching(/replicas: .*\+sentinel\|replicas/),
    ]);
  });

  it('uses the address matcher it is given (natMap, host names)', () => {
    const sentinels = [0, 1, 2].map((i) => sentinel(i, 'redis-0.example:6379'));
    const { status, details } = judge(facts({ sentinels }), (announced, connected) => announced === 'redis-0.example:6379' && connected === M);
    expect(status).toBe('up');
    expect(details.master).toBe('redis-0.example:6379');
    expect(details.connectedTo).toBe(M);
  });
});
