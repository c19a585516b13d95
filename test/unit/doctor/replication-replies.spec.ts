import { parseReplicationInfo, parseRoleReplication } from '../../../lib/doctor/replication-replies.js';

describe('replication replies', () => {
  it('INFO replication of a master: offsets, states and lags of its replicas', () => {
    const info = [
      '# Replication', 'role:master', 'connected_slaves:2',
      'slave0:ip=127.0.0.1,port=17381,state=online,offset=1633,lag=0',
      'slave1:ip=127.0.0.1,port=17380,state=wait_bgsave,offset=0,lag=7',
      'master_repl_offset:1700', '',
    ].join('\r\n');
    expect(parseReplicationInfo(info)).toEqual({
      role: 'master', masterOffset: 1700,
      replicas: [
        { address: '127.0.0.1:17381', state: 'online', offset: 1633, lagSeconds: 0 },
        { address: '127.0.0.1:17380', state: 'wait_bgsave', offset: 0, lagSeconds: 7 },
      ],
    });
    expect(parseReplicationInfo('role:slave\r\nmaster_repl_offset:5')).toEqual({ role: 'slave', masterOffset: 5, replicas: [] });
    expect(parseReplicationInfo('garbage')).toBeNull();
  });

  it('ROLE: a master with its replicas\' offsets, or only the role', () => {
    expect(parseRoleReplication(['master', 1700, [['127.0.0.1', '17381', '1633']]])).toEqual({
      role: 'master', masterOffset: 1700, replicas: [{ address: '127.0.0.1:17381', offset: 1633 }],
    });
    expect(parseRoleReplication(['slave', '127.0.0.1', 17379, 'connected', 1633])).toEqual({ role: 'slave', replicas: [] });
    expect(parseRoleReplication('nope')).toBeNull();
  });
});
