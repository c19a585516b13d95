import { addressesLine } from '../../../lib/doctor/address-checks.js';
import { dataNodeChecks } from '../../../lib/doctor/data-node-checks.js';
import type { DataNodeInspection } from '../../../lib/doctor/data-node-inspection.js';
import type { DoctorSettings } from '../../../lib/doctor/doctor-args.js';
import type { SentinelFindings } from '../../../lib/doctor/sentinel-checks.js';
import { validateOptions } from '../../../lib/options/validate-options.js';

/** The Docker/NAT case: the sentinels announce container addresses they reach and this host cannot. */
const findings: SentinelFindings = {
  master: '172.18.0.2:6379',
  state: { ip: '172.18.0.2', port: '6379', flags: 'master' },
  replicas: [{ ip: '172.18.0.3', port: '6379', flags: 'slave', 'master-link-status': 'ok' }],
  unlisted: [],
};
const settings = { options: validateOptions({ sentinels: [{ host: 'localhost', port: 26379 }], name: 'primary', username: 'app' }), admin: {} } as unknown as DoctorSettings;
const node = (kind: 'master' | 'replica', announced: string, over: Partial<DataNodeInspection> = {}): DataNodeInspection => ({
  kind, announced, reached: announced, connect: 'timeout', message: 'no answer within 2000 ms', ...over,
});

describe('announced addresses', () => {
  it('unreachable from here while the sentinels see them up: fail (the master) and suggest natMap in REDIS_NAT_MAP form', () => {
    const check = addressesLine(findings, [node('master', '172.18.0.2:6379'), node('replica', '172.18.0.3:6379')], [])!;
    expect(check.status).toBe('fail');
    expect(check.what).toContain('172.18.0.2:6379 (master), 172.18.0.3:6379 (replica)');
    expect(check.fix).toContain('REDIS_NAT_MAP=172.18.0.2:6379=<reachable-host>:<port>,172.18.0.3:6379=<reachable-host>:<port>');
  });

  it('only a replica hidden: a warning', () => {
    const check = addressesLine(findings, [node('master', '172.18.0.2:6379', { connect: 'ok' }), node('replica', '172.18.0.3:6379')], [])!;
    expect(check.status).toBe('warn');
  });

  it('down according to the sentinels too: not an address problem', () => {
    const seenDown = { ...findings, replicas: [{ ...findings.replicas[0]!, flags: 'slave,s_down' }] };
    expect(addressesLine(seenDown, [node('master', '172.18.0.2:6379', { connect: 'ok' }), node('replica', '172.18.0.3:6379')], [])!.status).toBe('ok');
    const [, replica] = dataNodeChecks(settings, seenDown, [node('master', '172.18.0.2:6379', { connect: 'ok', role: 'master', roleVia: 'INFO' }), node('replica', '172.18.0.3:6379')]);
    expect(replica!.fix).toBe('the sentinels see it down too: start it');
  });

  it('a natMap entry pointing nowhere: the master line and the addresses line name it', () => {
    const mapped = node('master', '172.18.0.2:6379', { reached: 'localhost:7000', connect: 'unreachable', message: 'connect ECONNREFUSED' });
    expect(addressesLine(findings, [mapped], [])!.fix).toContain('fix the natMap entries');
    const [line] = dataNodeChecks(settings, findings, [mapped]);
    expect(line).toMatchObject({ status: 'fail' });
    expect(line!.what).toBe('master 172.18.0.2:6379 (natMap: localhost:7000) unreachable from here as "app": connect ECONNREFUSED');
  });
});
