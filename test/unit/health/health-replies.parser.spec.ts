import {
  isHealthyReplica,
  parseInfoReplication,
  parseMasterAddress,
  parseMasterState,
  parseReplicas,
  parseRoleReply,
  toRecord,
} from '../../../lib/health/health-replies.parser.js';

// Replies as Redis 7.0 sends them to ioredis 6 (RESP3, legacy reply mapping), captured from the topology.
const MASTER_REPLY = ['name', 'primary', 'ip', '127.0.0.1', 'port', '34151', 'flags', 'master', 'role-reported', 'master',
  'num-slaves', '2', 'num-other-sentinels', '2', 'quorum', '2'];
const REPLICAS_REPLY = [
  ['name', '127.0.0.1:46111', 'ip', '127.0.0.1', 'port', '46111', 'flags', 'slave', 'role-reported', 'slave', 'master-link-status', 'ok'],
  ['name', '127.0.0.1:32827', 'ip', '127.0.0.1', 'port', '32827', 'flags', 'slave,s_down,disconnected', 'master-link-status', 'err'],
];

describe('health reply parsers', () => {
  it('reads flat arrays, objects and Maps as records', () => {
    expect(toRecord(['a', '1', 'b', 2])).toEqual({ a: '1', b: '2' });
    expect(toRecord({ a: '1' })).toEqual({ a: '1' });
    expect(toRecord(new Map([['a', Buffer.from('x')]]))).toEqual({ a: 'x' });
    expect(toRecord(null)).toEqual({});
  });

  it('parses SENTINEL get-master-addr-by-name', () => {
    expect(parseMasterAddress(['127.0.0.1', '16380'])).toBe('127.0.0.1:16380');
    expect(parseMasterAddress(null)).toBeNull();
    expect(parseMasterAddress(['127.0.0.1', 'x'])).toBeNull();
  });

  it('parses SENTINEL MASTER', () => {
    expect(parseMasterState(MASTER_REPLY)).toEqual({
      address: '127.0.0.1:34151',
      flags: ['master'],
      roleReported: 'master',
      quorum: 2,
      otherSentinels: 2,
      failingOver: false,
    });
    expect(parseMasterState(['flags', 'master'])).toBeUndefined();
  });

  it('parses SENTINEL REPLICAS and tells healthy replicas apart', () => {
    const replicas = parseReplicas(REPLICAS_REPLY);
    expect(replicas.map((replica) => replica.address)).toEqual(['127.0.0.1:46111', '127.0.0.1:32827']);
    expect(replicas.map(isHealthyReplica)).toEqual([true, false]);
    expect(isHealthyReplica({ address: 'x:1', flags: ['slave'], linkOk: false })).toBe(false);
    expect(parseReplicas('nonsense')).toEqual([]);
  });

  it('parses INFO replication', () => {
    const master = '# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=127.0.0.1,port=1,state=online,offset=0,lag=0\r\nslave1:ip=127.0.0.1,port=2,state=wait_bgsave,offset=0,lag=0\r\n';
    expect(parseInfoReplication(master)).toEqual({ role: 'master', onlineReplicas: 1 });
    expect(parseInfoReplication('# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\n')).toEqual({ role: 'slave' });
    expect(parseInfoReplication('')).toBeNull();
  });

  it('parses ROLE', () => {
    expect(parseRoleReply(['master', 100, []])).toBe('master');
    expect(parseRoleReply(['slave', '127.0.0.1', 6379, 'connected', 100])).toBe('slave');
    expect(parseRoleReply('x')).toBeNull();
  });
});
