import { masterInfoWarning, SENTINEL_SUBSCRIBE_RULES, subscriptionWarning } from '../../../lib/acl/acl-warnings.js';

const report = (refused: Record<string, string>) => ({ sentinel: '127.0.0.1:26379', subscribed: [], refused });

describe('ACL warnings', () => {
  it('names +info and the user for the master', () => {
    expect(masterInfoWarning('default')).toMatch(/user "default" may not run INFO.*Add "\+info"/);
  });

  it('names +subscribe when the command itself is refused', () => {
    const warning = subscriptionWarning(
      report({ '+switch-master': "NOPERM this user has no permissions to run the 'subscribe' command" }),
      'default',
      true,
    );
    expect(warning).toContain('(missing "+subscribe")');
    expect(warning).toMatch(/replica watch/);
    expect(warning).toContain(SENTINEL_SUBSCRIBE_RULES);
  });

  it('names the channel rule when only the channel is refused', () => {
    const warning = subscriptionWarning(
      report({ '+switch-master': 'NOPERM this user has no permissions to access one of the channels used as arguments' }),
      undefined,
      true,
    );
    expect(warning).toContain('(missing "&+switch-master")');
  });

  it('explains the fence gap when only the promotion channels are refused and the replica watch is off', () => {
    const warning = subscriptionWarning(report({ '+selected-slave': 'NOPERM channel' }), 'app', false);
    expect(warning).toMatch(/not held while a replica is promoted \(watchReplicas is off\)/);
    expect(warning).toContain('user "app"');
  });

  it('says writes are still held from the promotion when the replica watch is on', () => {
    const warning = subscriptionWarning(report({ '+selected-slave': 'NOPERM channel' }), 'app', true);
    expect(warning).toMatch(/writes are still held from the promotion/);
  });

  it('says nothing when every channel was allowed', () => {
    expect(subscriptionWarning(report({}), 'default', true)).toBeUndefined();
  });
});
