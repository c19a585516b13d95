import { ACL_CAPABILITIES, aclCapability, aclRule, DEFAULT_ACL_CONTEXT, probeWords } from '../../../lib/acl/acl-rules.js';
import { masterInfoWarning, SENTINEL_SUBSCRIBE_RULES, sentinelListWarning } from '../../../lib/acl/acl-warnings.js';
import { SENTINEL_CHANNELS } from '../../../lib/sentinel/sentinel-events.js';

const context = { name: 'primary', namespace: 'orders', db: 2, probeKey: 'orders:__doctor__:1' };

describe('the ACL rules (one source for the doctor and the start-up warnings)', () => {
  it('the failover detector\'s rule: +subscribe, then one channel pattern per channel group', () => {
    expect(aclRule('sentinel-events')).toBe('+subscribe &+switch-master &+selected-slave &+failover-state-send-slaveof-noone &-failover-abort-*');
  });

  it('probes every channel the module subscribes to, each allowed by a pattern of the rule', () => {
    const probes = aclCapability('sentinel-events').probes;
    expect(probes.map((probe) => probe.argv(context)[1])).toEqual([...SENTINEL_CHANNELS]);
    const patterns = aclRule('sentinel-events').split(' ').filter((word) => word.startsWith('&')).map((word) => word.slice(1));
    const matches = (pattern: string, channel: string) => (pattern.endsWith('*') ? channel.startsWith(pattern.slice(0, -1)) : channel === pattern);
    for (const channel of SENTINEL_CHANNELS) expect(patterns.some((pattern) => matches(pattern, channel))).toBe(true);
  });

  it('the store\'s rule: its commands, then the namespace\'s key pattern', () => {
    expect(aclRule('data-store', context)).toBe('+get +set +exists +mget +del +unlink +scan ~orders:*');
    expect(aclRule('data-store', context, new Set(['+get', '~orders:*']))).toBe('+get ~orders:*');
  });

  it('every probe is harmless: it reads, or writes and deletes the probe key, and names the master group', () => {
    const keys = ACL_CAPABILITIES.flatMap((capability) => capability.probes.flatMap((probe) => probe.argv(context))).filter((word) => word.includes(':'));
    for (const key of keys.filter((word) => word.startsWith('orders'))) expect(key.startsWith(context.probeKey)).toBe(true);
    expect(aclCapability('sentinel-resolve').probes[0]!.argv(context)).toEqual(['SENTINEL', 'get-master-addr-by-name', 'primary']);
    const written = ACL_CAPABILITIES.flatMap((capability) => capability.probes).filter((probe) => probe.argv(context)[0] === 'SET');
    expect(written.map((probe) => probe.argv(context))).toEqual([['SET', context.probeKey, '1', 'PX', '10000']]);
  });

  it('SELECT only with a db other than 0; ROLE only when INFO is refused', () => {
    const select = aclCapability('data-select');
    expect(select.neededWhen!({ ...context, db: 0 }, () => false)).toBe(false);
    expect(select.neededWhen!(context, () => false)).toBe(true);
    const role = aclCapability('data-role');
    expect(role.neededWhen!(context, (id) => id === 'data-info')).toBe(true);
    expect(role.neededWhen!(context, () => false)).toBe(false);
  });

  it('each rule word is an ACL rule: +command, +command|subcommand, ~keys or &channels', () => {
    for (const capability of ACL_CAPABILITIES) {
      for (const probe of capability.probes) {
        for (const word of probeWords(probe, DEFAULT_ACL_CONTEXT)) expect(word).toMatch(/^(\+[a-z-]+(\|[a-z-]+)?|~\S+|&\S+)$/);
      }
    }
  });

  it('the start-up warnings say the same words', () => {
    expect(SENTINEL_SUBSCRIBE_RULES).toBe(aclRule('sentinel-events'));
    expect(masterInfoWarning('app')).toContain(`Add "${aclRule('data-info')}"`);
    expect(sentinelListWarning('app')).toContain(`"${aclRule('sentinel-discovery')}"`);
  });
});
