import type { DoctorSettings } from '../../../lib/doctor/doctor-args.js';
import { sentinelChecks } from '../../../lib/doctor/sentinel-checks.js';
import type { SentinelInspection } from '../../../lib/doctor/sentinel-inspection.js';
import { validateOptions } from '../../../lib/options/validate-options.js';

const SENTINELS = [26379, 26380, 26381].map((port) => ({ host: '10.0.0.9', port }));
const settings = { options: validateOptions({ sentinels: SENTINELS, name: 'primary' }), admin: {} } as unknown as DoctorSettings;
const replica = (port: number, flags = 'slave', link = 'ok') => ({ ip: '10.0.0.2', port: String(port), flags, 'master-link-status': link });

function answered(port: number, over: Partial<SentinelInspection> = {}, state: Record<string, string> = {}): SentinelInspection {
  return {
    sentinel: `10.0.0.9:${port}`, connect: 'ok', answerMs: 3, master: '10.0.0.1:6379',
    state: { ip: '10.0.0.1', port: '6379', flags: 'master', quorum: '2', 'num-other-sentinels': '2', 'config-epoch': '4', ...state },
    replicas: [replica(6380), replica(6381)], others: [], ...over,
  };
}
const down = (port: number): SentinelInspection => ({ sentinel: `10.0.0.9:${port}`, connect: 'unreachable', message: 'connect ECONNREFUSED' });
const line = (inspections: SentinelInspection[], id: string) => sentinelChecks(settings, inspections).checks.find((check) => check.id === id);

describe('sentinel checks', () => {
  it('quorum 2 of 3, all alive: ok, one more may fail', () => {
    expect(line([answered(26379), answered(26380), answered(26381)], 'quorum')).toMatchObject({ status: 'ok', data: { alive: 3, needed: 2 } });
  });

  it('the seed\'s quorum 3 of 3: a failover needs all three; warns to lower it to the majority', () => {
    const quorum3 = [26379, 26380, 26381].map((port) => answered(port, {}, { quorum: '3' }));
    const check = line(quorum3, 'quorum')!;
    expect(check.status).toBe('warn');
    expect(check.fix).toMatch(/^lower the quorum to 2/);
  });

  it('one sentinel down: no sentinel to spare (warn); two down: no failover possible (fail)', () => {
    expect(line([answered(26379), answered(26380), down(26381)], 'quorum')).toMatchObject({ status: 'warn', data: { alive: 2 } });
    const checks = sentinelChecks(settings, [answered(26379), down(26380), down(26381)]).checks;
    expect(checks.find((check) => check.id === 'quorum')).toMatchObject({ status: 'fail', data: { alive: 1, needed: 2 } });
    expect(checks.filter((check) => check.id === 'sentinel').map((check) => check.status)).toEqual(['ok', 'warn', 'warn']);
  });

  it('no sentinel answers: each one fails', () => {
    expect(sentinelChecks(settings, [down(26379), down(26380), down(26381)]).checks.map((check) => check.status)).toEqual(['fail', 'fail', 'fail']);
  });

  it('disagreement: the newest config epoch wins; a failure unless a failover is in progress', () => {
    const stale = answered(26381, { master: '10.0.0.3:6379' }, { 'config-epoch': '3' });
    const result = sentinelChecks(settings, [answered(26379), answered(26380), stale]);
    expect(result.findings.master).toBe('10.0.0.1:6379');
    expect(result.checks.find((check) => check.id === 'agreement')).toMatchObject({ status: 'fail' });
    const moving = answered(26381, { master: '10.0.0.3:6379' }, { 'config-epoch': '3', flags: 'master,failover_in_progress' });
    expect(line([answered(26379), moving], 'agreement')).toMatchObject({ status: 'warn' });
  });

  it('replicas: a broken link warns, none healthy fails, none at all fails', () => {
    expect(line([answered(26379, { replicas: [replica(6380), replica(6381, 'slave', 'err')] })], 'replicas')).toMatchObject({ status: 'warn' });
    expect(line([answered(26379, { replicas: [replica(6380, 'slave,s_down')] })], 'replicas')).toMatchObject({ status: 'fail' });
    expect(line([answered(26379, { replicas: [] })], 'replicas')?.what).toMatch(/nothing to promote/);
  });

  it('the master flagged down, and sentinels of the group missing from the app\'s list', () => {
    expect(line([answered(26379, {}, { flags: 'master,s_down,o_down' })], 'master-state')).toMatchObject({ status: 'fail' });
    const other = { ip: '10.0.0.9', port: '26390', flags: 'sentinel' };
    expect(line([answered(26379, { others: [other] }, { 'num-other-sentinels': '1' })], 'sentinel-list')?.what).toContain('10.0.0.9:26390');
  });

  it('an unknown master name lists the names it monitors', () => {
    const check = sentinelChecks(settings, [answered(26379, { master: null, monitors: ['cache'] })]).checks[0]!;
    expect(check).toMatchObject({ status: 'fail' });
    expect(check.what).toContain('does not monitor a master named "primary" (it monitors: "cache")');
  });
});
