import { parseMasterState, parseReplicas } from '../../../lib/sentinel/sentinel-replies.parser.js';

// What the leader of a planned failover answered (Redis 7.0.15, captured during `SENTINEL FAILOVER`).
const LEADER_MID_FAILOVER = ['name', 'primary', 'ip', '127.0.0.1', 'port', '43809', 'flags', 'master,failover_in_progress,force_failover',
  'config-epoch', '1', 'failover-state', 'reconf_slaves', 'quorum', '2'];

describe('sentinel reply parsers', () => {
  it('reads the config epoch and the failover-in-progress flag of SENTINEL MASTER', () => {
    expect(parseMasterState(LEADER_MID_FAILOVER)).toMatchObject({
      address: '127.0.0.1:43809',
      configEpoch: 1,
      failingOver: true,
      flags: ['master', 'failover_in_progress', 'force_failover'],
    });
    expect(parseMasterState(['ip', '127.0.0.1', 'port', '6379', 'flags', 'master'])).toMatchObject({ failingOver: false });
    expect(parseMasterState(['ip', '127.0.0.1', 'port', '6379', 'flags', 'master'])?.configEpoch).toBeUndefined();
  });

  it('refuses a port that is not a number, and skips such replicas', () => {
    expect(parseMasterState(['ip', '127.0.0.1', 'port', 'x'])).toBeUndefined();
    expect(parseReplicas([['ip', '10.0.0.1', 'port', '6379', 'flags', 'slave'], ['ip', '10.0.0.2', 'port', '']])).toHaveLength(1);
  });
});
